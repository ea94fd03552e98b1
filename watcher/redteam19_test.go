package watcher

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"
)

// Red team (session 19): leftovers put back at once across a listing of
// more than one ReadDir chunk (dirChunk) are each seen once by the scan
// that puts them back, none is left under its private name or counted as
// one, and a second scan announces nothing anew.
func TestRedteamRestoredLeftoversAcrossChunksAreSeenOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	h := newHarness(t, nil)
	const n, every = 1500, 5
	want := []string{}
	for i := range n {
		name := fmt.Sprintf("job/f%05d.warc.gz", i)
		if i%every == 0 {
			h.write(fmt.Sprintf("job/.ferry-rm-%016x-f%05d.warc.gz", i, i), "left by a killed delete")
		} else {
			h.write(name, "a closed file")
		}
		want = append(want, name)
	}
	time.Sleep(20 * time.Millisecond) // ctime is coarse
	h.w.RestoreLeftBefore(time.Now())
	found, left := h.scanLeft()
	seen := seenPaths(found)
	slices.Sort(seen)
	if !slices.Equal(seen, want) {
		dups := 0
		for i := 1; i < len(seen); i++ {
			if seen[i] == seen[i-1] {
				dups++
			}
		}
		t.Fatalf("the restoring scan saw %d paths (%d repeated), want %d once each", len(seen), dups, len(want))
	}
	if left != 0 {
		t.Fatalf("after putting all back, the scan left %d private names", left)
	}
	entries, err := os.ReadDir(h.path("job"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != n {
		t.Fatalf("job/ holds %d entries, want %d", len(entries), n)
	}
	for _, s := range h.scan() {
		if s.Announced {
			t.Fatalf("a second scan announced %s anew", s.File.Path)
		}
	}
}
