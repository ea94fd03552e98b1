package watcher

import (
	"os"
	"slices"
	"testing"
	"time"
)

// A verifier that crashed between renaming a file to its private name and
// unlinking it leaves the file there. The watcher never announces the
// private name (every include matches it), and puts the file back once the
// grace has passed, so it is verified and deleted again, or kept.
func TestIntegrationQuarantinedFileIsRestored(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	h := newHarness(t, func(c *Config) { c.QuarantineGrace = 300 * time.Millisecond })
	const private = "job/.ferry-rm-0123456789abcdef-a.warc.gz"
	h.write(private, "verified, then the verifier died")

	if seen := seenPaths(h.scan()); len(seen) != 0 {
		t.Fatalf("a fresh private name was announced or restored: %v", seen)
	}
	if _, err := os.Stat(h.path(private)); err != nil {
		t.Fatalf("a file under a delete's private name was moved within the grace: %v", err)
	}

	time.Sleep(400 * time.Millisecond)
	seen := seenPaths(h.scan()) // restores it; this scan's listing may predate that
	if _, err := os.Stat(h.path("job/a.warc.gz")); err != nil {
		t.Fatalf("not restored under its own name: %v", err)
	}
	seen = append(seen, seenPaths(h.scan())...)
	if !slices.Contains(seen, "job/a.warc.gz") || slices.ContainsFunc(seen, func(p string) bool { return p != "job/a.warc.gz" }) {
		t.Fatalf("after the restore the scans saw %v, want only job/a.warc.gz", seen)
	}
	if _, ok := h.records()["job/.ferry-rm-0123456789abcdef-a.warc.gz"]; ok {
		t.Fatal("the private name has a ledger record")
	}
}

// Once nothing can be deleting them (`ferry run --once` on its own embedded
// server with its queues empty), files under a private name renamed before
// a given time are put back at once, and the scan that puts one back
// announces it. One renamed after that time waits out the grace.
func TestIntegrationQuarantinedBeforeAGivenTimeIsRestoredAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	const before, after = "job/.ferry-rm-0123456789abcdef-a.warc.gz", "job/.ferry-rm-fedcba9876543210-b.warc.gz"
	h := newHarness(t, nil)
	h.write(before, "verified, then the run was killed")
	if seen, left := h.scanLeft(); len(seen) != 0 || left != 1 {
		t.Fatalf("within the grace a scan saw %v and left %d private names, want none and 1", seenPaths(seen), left)
	}
	time.Sleep(20 * time.Millisecond) // ctime is coarse
	h.w.RestoreLeftBefore(time.Now())
	time.Sleep(20 * time.Millisecond)
	h.write(after, "renamed later")

	found, left := h.scanLeft()
	seen := seenPaths(found)
	if _, err := os.Stat(h.path("job/a.warc.gz")); err != nil {
		t.Fatalf("a file renamed before the time given was not restored at once: %v", err)
	}
	if _, err := os.Stat(h.path(after)); err != nil || left != 1 {
		t.Fatalf("a file renamed after the time given was moved within the grace (%v), or not counted (%d)", err, left)
	}
	// The scan that put it back counts it: `run --once` waits for it.
	if !slices.Equal(seen, []string{"job/a.warc.gz"}) {
		t.Fatalf("the restoring scan saw %v, want [job/a.warc.gz]", seen)
	}
}
