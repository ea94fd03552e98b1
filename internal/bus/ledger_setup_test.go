package bus

import (
	"context"
	"sync"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

// ledgerStream reads the ledger's stream config with a raw client.
func ledgerStream(t *testing.T, js jetstream.JetStream) jetstream.StreamConfig {
	t.Helper()
	s, err := js.Stream(context.Background(), "KV_"+LedgerBucket)
	if err != nil {
		t.Fatal(err)
	}
	return s.CachedInfo().Config
}

// The four roles of a host start together on a fresh server: whichever
// creates the ledger and turns its TTLs on first, the others start too
// (they failed with "message TTL status can not be disabled").
func TestIntegrationRolesCreateTheLedgerTogether(t *testing.T) {
	for round := range 5 {
		srv := startTestServer(t)
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Go(func() {
				b, err := Connect(context.Background(), ConnConfig{Server: srv, Name: "role"}, discard())
				if err == nil {
					b.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: daemon %d couldn't start: %v", round, i, err)
			}
		}
		if cfg := ledgerStream(t, rawClient(t, srv)); !cfg.AllowMsgTTL || !cfg.AllowAtomicPublish {
			t.Fatalf("round %d: ledger TTLs %v, atomic batches %v; want both", round, cfg.AllowMsgTTL, cfg.AllowAtomicPublish)
		}
	}
}

// A ledger whose shape differs from what ferry wants (here made with a
// longer history by hand) and whose TTLs are on is brought to shape,
// keeping its TTLs and its records.
func TestIntegrationLedgerReshapedKeepsTTLs(t *testing.T) {
	ctx := context.Background()
	srv := startTestServer(t)
	js := rawClient(t, srv)
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: LedgerBucket, History: 5, Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "file.r.h.kept", []byte("v")); err != nil {
		t.Fatal(err)
	}
	cfg := ledgerStream(t, js)
	cfg.AllowMsgTTL = true
	if _, err := js.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}

	b := connectTest(ctx, t, srv, ConnConfig{}) // failed with 10052
	if got := ledgerStream(t, js); got.MaxMsgsPerSubject != 1 || !got.AllowMsgTTL || !got.AllowAtomicPublish {
		t.Fatalf("ledger history %d, TTLs %v, atomic %v; want 1, true, true", got.MaxMsgsPerSubject, got.AllowMsgTTL, got.AllowAtomicPublish)
	}
	if val, _, err := b.Ledger().Get(ctx, "file.r.h.kept"); err != nil || string(val) != "v" {
		t.Fatalf("record after reshaping = %q, %v", val, err)
	}
}
