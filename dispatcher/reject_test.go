package dispatcher

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/metrics"
	"github.com/ferrydata/ferry/watcher"
)

// startDispatcher runs a dispatcher that knows only the route "warcs".
func startDispatcher(t *testing.T, b *bus.Bus) *ledger.Ledger {
	t.Helper()
	led := ledger.New(b.Ledger())
	cfg := Config{AckWait: 10 * time.Second, Routes: map[string]Limits{
		"warcs": {Files: 1, Bytes: 1000, MaxWait: 100 * time.Millisecond},
	}}
	d, err := New(cfg, Deps{Bus: b, Ledger: led, Log: bustest.Logger(t), Metrics: metrics.New()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return led
}

// waitQuiet waits until the dispatcher has taken every closed event.
func waitQuiet(t *testing.T, b *bus.Bus) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := b.Backlog(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages still queued after 10s", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A file of a route the dispatcher does not know, seen by N rescans of a
// real watcher, makes one dead letter and one failed record: the watcher
// leaves failed files alone.
func TestIntegrationRejectedFileFailsOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	b := bustest.Start(t)
	led := startDispatcher(t, b)
	root := t.TempDir()
	old := time.Now().Add(-time.Hour)
	p := filepath.Join(root, "a.warc.gz")
	if err := os.WriteFile(p, []byte("warc"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	w, err := watcher.New(watcher.Config{
		Routes:     []watcher.Route{{Name: "logs", Source: root, Host: "crawler01", Include: []string{"*.warc.gz"}}},
		StaleAfter: time.Millisecond, // every rescan would announce a file still in flight
	}, watcher.Deps{Bus: b, Ledger: led, Log: bustest.Logger(t), Metrics: metrics.New()})
	if err != nil {
		t.Fatal(err)
	}
	const rescans = 5
	for range rescans {
		if _, _, err := w.Scan(context.Background()); err != nil {
			t.Fatal(err)
		}
		waitQuiet(t, b)
		time.Sleep(10 * time.Millisecond) // past stale_after
	}
	letters, err := b.DeadLetters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(letters) != 1 {
		t.Fatalf("%d dead letters after %d rescans, want 1", len(letters), rescans)
	}
	if l := letters[0]; l.Reason != fault.ReasonInvalid || l.Route != "logs" || l.Host != "crawler01" ||
		len(l.Files) != 1 || l.Files[0].File.Path != "a.warc.gz" {
		t.Errorf("dead letter %+v, want the file of route logs on crawler01, invalid", l.DeadLetter)
	}
	rec, _, err := led.Get(context.Background(), "logs", "crawler01", "a.warc.gz")
	if err != nil || rec.State != ledger.Failed || rec.Reason != fault.ReasonInvalid {
		t.Fatalf("ledger record %+v, %v; want failed, invalid", rec, err)
	}
}

// A crawler announcing on its own subject a file it says is another host's
// gets an invalid dead letter filed under itself; the other host's record is
// untouched and no job is made for it.
func TestIntegrationForgedHostIsInvalid(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	b := bustest.Start(t)
	led := startDispatcher(t, b)
	ctx := context.Background()
	real := bus.File{Path: "x.warc.gz", Size: 10, ModTime: 1}
	if ok, err := led.Announce(ctx, "warcs", "crawler02", real, ledger.Policy{StaleAfter: time.Hour}); !ok || err != nil {
		t.Fatalf("Announce = %v, %v", ok, err)
	}
	_, rev, err := led.Get(ctx, "warcs", "crawler02", real.Path)
	if err != nil {
		t.Fatal(err)
	}
	forged := []bus.Closed{
		{V: bus.Version, Route: "warcs", Host: "crawler02", File: real, Announced: 1},
		{V: bus.Version, Route: "nope", Host: "crawler02", File: real, Announced: 2}, // would fail the record
		{V: bus.Version, Route: "warcs", Host: "crawler01.x", File: real, Announced: 3},
	}
	for _, c := range forged {
		if err := bustest.PublishRaw(ctx, b, bus.ClosedSubject("warcs", "crawler01"), mustJSON(t, c)); err != nil {
			t.Fatal(err)
		}
	}
	waitQuiet(t, b)
	letters, err := b.DeadLetters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(letters) != len(forged) {
		t.Fatalf("%d dead letters for %d forged events", len(letters), len(forged))
	}
	for _, l := range letters {
		if l.Reason != fault.ReasonInvalid || l.Route != "warcs" || l.Host != "crawler01" || len(l.Files) != 0 || len(l.Raw) == 0 {
			t.Errorf("dead letter %+v, want invalid, filed under warcs/crawler01 with the raw event and no files", l.DeadLetter)
		}
	}
	if _, rev2, err := led.Get(ctx, "warcs", "crawler02", real.Path); err != nil || rev2 != rev {
		t.Errorf("crawler02's record changed: revision %d -> %d, %v", rev, rev2, err)
	}
	for _, host := range []string{"crawler01", "crawler01.x"} {
		for _, route := range []string{"warcs", "nope"} {
			if _, _, err := led.Get(ctx, route, host, real.Path); !errors.Is(err, ledger.ErrNoRecord) {
				t.Errorf("forged events left a ledger record for %s/%s: %v", route, host, err)
			}
		}
	}
}
