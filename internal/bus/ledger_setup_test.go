package bus_test

import (
	"context"
	"sync"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
)

func startServer(t *testing.T) *bus.Server {
	t.Helper()
	srv, err := bus.StartServer(bus.ServerConfig{Name: "test", StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return srv
}

func connect(t *testing.T, srv *bus.Server, name string) (*bus.Bus, error) {
	t.Helper()
	b, err := bus.Connect(context.Background(), bus.ConnConfig{Server: srv, Name: name}, bustest.Logger(t))
	if err == nil {
		t.Cleanup(b.Close)
	}
	return b, err
}

// ledgerStream reads the ledger's stream config with a raw client.
func ledgerStream(t *testing.T, srv *bus.Server) jetstream.StreamConfig {
	t.Helper()
	js := rawJetStream(t, srv)
	s, err := js.Stream(context.Background(), "KV_"+bus.LedgerBucket)
	if err != nil {
		t.Fatal(err)
	}
	return s.CachedInfo().Config
}

func rawJetStream(t *testing.T, srv *bus.Server) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect("", nats.InProcessServer(srv))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// The four roles of a host start together on a fresh server: whichever
// creates the ledger and turns its TTLs on first, the others start too
// (they failed with "message TTL status can not be disabled").
func TestIntegrationRolesCreateTheLedgerTogether(t *testing.T) {
	skipShort(t)
	for round := range 5 {
		srv := startServer(t)
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = connect(t, srv, "role")
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: daemon %d couldn't start: %v", round, i, err)
			}
		}
		if cfg := ledgerStream(t, srv); !cfg.AllowMsgTTL || !cfg.AllowAtomicPublish {
			t.Fatalf("round %d: ledger TTLs %v, atomic batches %v; want both", round, cfg.AllowMsgTTL, cfg.AllowAtomicPublish)
		}
	}
}

// A ledger whose shape differs from what ferry wants (here made with a
// longer history by hand) and whose TTLs are on is brought to shape,
// keeping its TTLs and its records.
func TestIntegrationLedgerReshapedKeepsTTLs(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	srv := startServer(t)
	js := rawJetStream(t, srv)
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: bus.LedgerBucket, History: 5, Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "file.r.h.kept", []byte("v")); err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(ctx, "KV_"+bus.LedgerBucket)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	cfg.AllowMsgTTL = true
	if _, err := js.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}

	b, err := connect(t, srv, "role")
	if err != nil {
		t.Fatalf("couldn't start on a ledger with TTLs and another history: %v", err)
	}
	if got := ledgerStream(t, srv); got.MaxMsgsPerSubject != 1 || !got.AllowMsgTTL || !got.AllowAtomicPublish {
		t.Fatalf("ledger history %d, TTLs %v, atomic %v; want 1, true, true", got.MaxMsgsPerSubject, got.AllowMsgTTL, got.AllowAtomicPublish)
	}
	if val, _, err := b.Ledger().Get(ctx, "file.r.h.kept"); err != nil || string(val) != "v" {
		t.Fatalf("record after reshaping = %q, %v", val, err)
	}
}
