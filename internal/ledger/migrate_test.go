package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus/bustest"
)

// legacyKey is a file's key as ferry wrote it before HostToken was
// injective: every byte but [A-Za-z0-9_-] became a bare _.
func legacyKey(route, host, path string) string {
	tok := []byte(host)
	for i, c := range tok {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			tok[i] = '_'
		}
	}
	sum := sha256.Sum256([]byte(path))
	return "file." + route + "." + string(tok) + "." + hex.EncodeToString(sum[:16])
}

// Records written under the old tokens are found again after MigrateKeys,
// each under its own host, and a second run moves nothing.
func TestIntegrationMigrateKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("needs JetStream; skipped under -short")
	}
	t.Parallel()
	b := bustest.Start(t)
	l := New(b.Ledger())
	ctx := context.Background()
	f := file(1)
	put := func(host string, state State) {
		t.Helper()
		r := Record{Route: route, Host: host, Path: f.Path, Size: f.Size, ModTime: f.ModTime, State: state, Updated: time.Now()}
		val, _ := json.Marshal(r)
		if _, err := b.Ledger().Put(ctx, legacyKey(route, host, f.Path), val); err != nil {
			t.Fatal(err)
		}
	}
	put("c1.example.org", Verified)
	put("c2_x", Failed)
	put("plain", Moved) // its token never changed
	if _, _, err := l.Get(ctx, route, "c1.example.org", f.Path); err == nil {
		t.Fatal("a record under the old token is found before the migration: the test proves nothing")
	}
	n, err := l.MigrateKeys(ctx)
	if err != nil || n != 2 {
		t.Fatalf("MigrateKeys = %d, %v; want 2 moved", n, err)
	}
	for host, want := range map[string]State{"c1.example.org": Verified, "c2_x": Failed, "plain": Moved} {
		if r, _, err := l.Get(ctx, route, host, f.Path); err != nil || r.State != want || r.Host != host {
			t.Errorf("record of %s after the migration = %+v, %v; want %s", host, r, err, want)
		}
	}
	if n, err := l.MigrateKeys(ctx); err != nil || n != 0 {
		t.Errorf("a second MigrateKeys = %d, %v; want 0", n, err)
	}
	count := 0
	if err := l.Records(ctx, route, func(*Record) error { count++; return nil }); err != nil || count != 3 {
		t.Errorf("%d records after the migration (%v), want 3: old keys left behind", count, err)
	}
}
