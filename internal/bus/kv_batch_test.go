package bus_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
)

func TestIntegrationWriteAll(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	kv := bustest.Start(t).Ledger()
	var writes []bus.Write
	for i := range 5 {
		key := fmt.Sprintf("file.r.h.k%d", i)
		rev, err := kv.Create(ctx, key, []byte("v0"), 0)
		if err != nil {
			t.Fatal(err)
		}
		writes = append(writes, bus.Write{Key: key, Value: []byte(fmt.Sprintf("v1-%d", i)), Rev: rev})
	}
	revs, err := kv.WriteAll(ctx, writes)
	if err != nil {
		t.Fatalf("WriteAll: %v", err)
	}
	for i, w := range writes {
		val, rev, err := kv.Get(ctx, w.Key)
		if err != nil || string(val) != string(w.Value) || rev != revs[i] {
			t.Fatalf("%s = %q at rev %d (%v), want %q at rev %d", w.Key, val, rev, err, w.Value, revs[i])
		}
		writes[i].Rev, writes[i].Value = revs[i], []byte("v2")
	}

	// One stale revision fails the whole batch: nothing of it is written.
	writes[3].Rev--
	if _, err := kv.WriteAll(ctx, writes); !errors.Is(err, bus.ErrKeyTaken) {
		t.Fatalf("WriteAll with a stale revision = %v, want ErrKeyTaken", err)
	}
	for _, w := range writes {
		if val, _, _ := kv.Get(ctx, w.Key); string(val) == "v2" {
			t.Fatalf("%s was written by a batch that failed", w.Key)
		}
	}
	// Rev 0 means the key must not exist, alone or in a batch.
	if _, err := kv.WriteAll(ctx, []bus.Write{{Key: writes[0].Key, Value: []byte("x")}}); !errors.Is(err, bus.ErrKeyTaken) {
		t.Fatalf("WriteAll creating an existing key = %v, want ErrKeyTaken", err)
	}
	fresh := []bus.Write{{Key: "file.r.h.new1", Value: []byte("n")}, {Key: "file.r.h.new2", Value: []byte("n")}}
	if _, err := kv.WriteAll(ctx, fresh); err != nil {
		t.Fatalf("WriteAll creating new keys: %v", err)
	}
}

func TestIntegrationWriteAllTTL(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	kv := bustest.Start(t).Ledger()
	if _, err := kv.Create(ctx, "file.r.h.created", []byte("v"), time.Second); err != nil {
		t.Fatal(err)
	}
	rev, err := kv.Create(ctx, "file.r.h.updated", []byte("v"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.WriteAll(ctx, []bus.Write{{Key: "file.r.h.updated", Value: []byte("w"), Rev: rev, TTL: time.Second},
		{Key: "file.r.h.kept", Value: []byte("w")}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, key := range []string{"file.r.h.created", "file.r.h.updated"} {
		for {
			if _, _, err := kv.Get(ctx, key); errors.Is(err, bus.ErrNoKey) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s with a TTL of 1s still there after 10s", key)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if _, _, err := kv.Get(ctx, "file.r.h.kept"); err != nil {
		t.Fatalf("a value without TTL expired: %v", err)
	}
}
