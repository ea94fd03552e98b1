package watcher

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// A backlog larger than MaxQueued is announced a queue's worth at a time:
// the first scan leaves the rest on disk unread (Deferred, no ledger record),
// and CatchUp announces more only as the queue drains, until every file was
// announced exactly once.
func TestScanLeavesBacklogBeyondMaxQueuedOnDisk(t *testing.T) {
	const files, maxQueued = 2000, 100
	h := newHarness(t, func(c *Config) { c.MaxQueued = maxQueued })
	for i := range files {
		h.write(fmt.Sprintf("job/warcs/WEB-%05d.warc.gz", i), "x")
	}
	// A pass may overshoot its room by the chunks its announcers took at once.
	const most = maxQueued + announceParallel*announceChunk

	var announced, deferred atomic.Int64
	var mu sync.Mutex
	seen := map[string]bool{}
	if _, err := h.w.ScanEach(t.Context(), func(s Seen) {
		mu.Lock()
		seen[s.File.Path] = true
		mu.Unlock()
		switch {
		case s.Announced && s.Deferred:
			t.Errorf("%s both announced and deferred", s.File.Path)
		case s.Announced:
			announced.Add(1)
		case s.Deferred:
			deferred.Add(1)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if len(seen) != files {
		t.Fatalf("scan found %d files, want %d", len(seen), files)
	}
	if a := announced.Load(); a < maxQueued || a > most {
		t.Fatalf("first scan announced %d files, want %d..%d", a, maxQueued, most)
	}
	if a, d := announced.Load(), deferred.Load(); a+d != files {
		t.Fatalf("announced %d + deferred %d, want %d", a, d, files)
	}
	if recs := len(h.records()); recs != int(announced.Load()) {
		t.Fatalf("ledger holds %d records after the first scan, want one per announced file (%d): deferred files are not read or written", recs, announced.Load())
	}
	if !h.w.Behind() {
		t.Fatal("Behind() = false after a scan deferred files")
	}

	// A full queue stops CatchUp from announcing more.
	if err := h.w.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := h.closedCount(); got != float64(announced.Load()) {
		t.Fatalf("CatchUp on a full queue announced %v files in all, want still %d", got, announced.Load())
	}

	got := map[string]int{}
	for round := 0; h.w.Behind(); round++ {
		if round > files/maxQueued*2 {
			t.Fatalf("still behind after %d rounds: %v of %d files announced", round, h.closedCount(), files)
		}
		before := h.closedCount()
		for _, c := range h.closedMessages() { // the pipeline drains the queue
			got[c.File.Path]++
		}
		if err := h.w.CatchUp(t.Context()); err != nil {
			t.Fatal(err)
		}
		if n := h.closedCount() - before; n > most {
			t.Fatalf("round %d announced %v files, want at most %d", round, n, most)
		}
	}
	for _, c := range h.closedMessages() {
		got[c.File.Path]++
	}
	if len(got) != files {
		t.Fatalf("%d distinct files announced, want %d", len(got), files)
	}
	for path, n := range got {
		if n != 1 {
			t.Errorf("%s announced %d times, want once", path, n)
		}
	}
}
