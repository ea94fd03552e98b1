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

// GetAll answers as Get does, key by key, in one request per 256 keys:
// values and revisions of keys written, nothing for keys never written,
// deleted, or expired by their TTL.
func TestIntegrationGetAllAnswersAsGet(t *testing.T) {
	skipShort(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	kv := bustest.Start(t).Ledger()
	var keys []string
	for i := range 600 { // three requests
		key := fmt.Sprintf("file.r.h.k%d", i)
		keys = append(keys, key)
		switch i % 4 {
		case 0: // never written
		case 1:
			if _, err := kv.Put(ctx, key, []byte(fmt.Sprint("v", i))); err != nil {
				t.Fatal(err)
			}
		case 2: // written twice: the second value
			if _, err := kv.Put(ctx, key, []byte("old")); err != nil {
				t.Fatal(err)
			}
			if _, err := kv.Put(ctx, key, []byte(fmt.Sprint("new", i))); err != nil {
				t.Fatal(err)
			}
		case 3:
			if _, err := kv.Put(ctx, key, []byte("gone")); err != nil {
				t.Fatal(err)
			}
			if err := kv.Delete(ctx, key); err != nil {
				t.Fatal(err)
			}
		}
	}
	expiring := "file.r.h.ttl"
	if _, err := kv.Create(ctx, expiring, []byte("short"), time.Second); err != nil {
		t.Fatal(err)
	}
	keys = append(keys, expiring)
	time.Sleep(2500 * time.Millisecond) // past the TTL: the server removes it

	got, err := kv.GetAll(ctx, keys)
	if err != nil {
		t.Fatalf("GetAll: %v", err)
	}
	for _, key := range keys {
		val, rev, err := kv.Get(ctx, key)
		v, found := got[key]
		switch {
		case errors.Is(err, bus.ErrNoKey):
			if found {
				t.Errorf("%s: GetAll has %q, Get has no value", key, v.Data)
			}
		case err != nil:
			t.Fatal(err)
		case !found || string(v.Data) != string(val) || v.Rev != rev:
			t.Errorf("%s: GetAll has %q at %d (found %v), Get %q at %d", key, v.Data, v.Rev, found, val, rev)
		}
	}
	if len(got) != 300 {
		t.Errorf("GetAll found %d keys, want the 300 with values", len(got))
	}
	if none, err := kv.GetAll(ctx, []string{"file.r.h.nothing"}); err != nil || len(none) != 0 {
		t.Errorf("GetAll of a key never written = %v, %v; want nothing, no error", none, err)
	}
}
