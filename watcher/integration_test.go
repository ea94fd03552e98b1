package watcher

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/ledger"
)

// TestIntegrationEvents runs the watcher on a Heritrix-like tree and checks
// that exactly the closed files are announced, each once, from events alone
// (the periodic rescan is an hour away).
func TestIntegrationEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	h := newHarness(t, nil)
	h.write("job/1/logs/crawl.log", "live\n")
	h.write("job/1/logs/alerts.log", "alert\n")
	h.path("job/1/warcs/x")
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.warc.gz"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.heritrixWrite("ready.warc.gz", "r") // found by the first rescan: watches are in place
	h.run()
	h.waitRecords("ready.warc.gz")

	h.heritrixWrite("job/1/warcs/a.warc.gz", "aaaa")
	h.heritrixWrite("job/2/warcs/b.warc.gz", "bb") // directories made after the start
	if err := os.Rename(h.path("job/1/logs/crawl.log"), h.path("job/1/logs/crawl.log.cp00001-20261124093000")); err != nil {
		t.Fatal(err)
	}
	h.write("job/1/logs/crawl.log", "new live log\n")
	h.write("job/1/logs/crawl.log.lck", "")
	h.write("job/1/logs/crawl.log.20261124093000.lck", "")
	h.write("job/1/warcs/broken.warc.gz.invalid", "x")
	h.write("job/1/warcs/bad\nname.warc.gz", "x")
	if err := os.Symlink(filepath.Join(outside, "secret.warc.gz"), h.path("job/1/warcs/link.warc.gz")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, h.path("job/1/linked")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(h.path("job/1/warcs/pipe.warc.gz"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeSlowly(t, h.path("job/1/warcs/inplace.warc.gz"), "12", "345", "6789")

	want := []string{"job/1/logs/crawl.log.cp00001-20261124093000", "job/1/warcs/a.warc.gz",
		"job/1/warcs/inplace.warc.gz", "job/2/warcs/b.warc.gz", "ready.warc.gz"}
	h.waitRecords(want...)
	time.Sleep(writeSettle + 200*time.Millisecond) // let late re-checks of writes land
	recs := h.waitRecords(want...)
	for path, size := range map[string]int64{"job/1/warcs/a.warc.gz": 4, "job/2/warcs/b.warc.gz": 2,
		"job/1/warcs/inplace.warc.gz":                 9, // written in place: announced once, complete
		"job/1/logs/crawl.log.cp00001-20261124093000": 5} {
		if r := recs[path]; r.Size != size || r.Host != "crawler1" || r.Route != testRoute || r.State != ledger.Announced {
			t.Errorf("record of %s = %+v, want size %d, host crawler1, state closed", path, r, size)
		}
	}
	msgs := h.closedMessages()
	var paths []string
	for _, m := range msgs {
		paths = append(paths, m.File.Path)
	}
	slices.Sort(paths)
	if !slices.Equal(paths, want) {
		t.Errorf("announced %q, want each of %q once", paths, want)
	}
	for reason, n := range map[string]float64{ReasonSymlink: 1, ReasonNotRegular: 1, ReasonInvalidName: 1} {
		if got := h.skippedCount(reason); got != n {
			t.Errorf("skipped %s = %v, want %v", reason, got, n)
		}
	}

	// A rescan sees the same closed files and announces none again.
	if got := seenPaths(h.scan()); !slices.Equal(got, want) {
		t.Errorf("Scan() = %q, want %q", got, want)
	}
	if got := h.closedCount(); got != float64(len(want)) {
		t.Errorf("files closed = %v, want %d", got, len(want))
	}
	if msgs := h.closedMessages(); len(msgs) != 0 {
		t.Errorf("rescan announced %+v again", msgs)
	}
	if got := h.skippedCount(ReasonSymlink); got != 1 {
		t.Errorf("skipped symlinks after rescan = %v, want 1 (warned once)", got)
	}
}

// TestIntegrationLedgerStates checks what a rescan does with files the ledger
// knows: in flight, stale, failed, done.
func TestIntegrationLedgerStates(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	const staleAfter = 300 * time.Millisecond
	h := newHarness(t, func(c *Config) { c.StaleAfter = staleAfter })
	for _, name := range []string{"inflight.warc.gz", "failed.warc.gz", "kept.warc.gz"} {
		h.write(name, name)
	}
	all := []string{"failed.warc.gz", "inflight.warc.gz", "kept.warc.gz"}
	if got := seenPaths(h.scan()); !slices.Equal(got, all) {
		t.Fatalf("Scan() = %q, want %q", got, all)
	}
	if got := seenPaths(h.scan()); !slices.Equal(got, all) || h.closedCount() != 3 {
		t.Fatalf("second Scan() = %q with %v announced, want %q and 3", got, h.closedCount(), all)
	}

	ctx := t.Context()
	recs := h.records()
	states := map[string]ledger.State{"inflight.warc.gz": ledger.Copying, "failed.warc.gz": ledger.Failed,
		"kept.warc.gz": ledger.Verified}
	for path, state := range states {
		r := recs[path]
		f := Candidate{Rel: path, Size: r.Size, ModTime: time.Unix(0, r.ModTime)}.File()
		if err := h.led.Set(ctx, testRoute, r.Host, f, state, nil); err != nil {
			t.Fatal(err)
		}
	}
	if h.scan(); h.closedCount() != 3 {
		t.Fatalf("files closed = %v after a rescan of in-flight files, want 3", h.closedCount())
	}

	time.Sleep(staleAfter + 100*time.Millisecond)
	if got := seenPaths(h.scan()); !slices.Equal(got, all) {
		t.Errorf("Scan() = %q, want %q", got, all)
	}
	if got := h.closedCount(); got != 4 {
		t.Errorf("files closed = %v, want 4: only the stale in-flight file again", got)
	}
	recs = h.records()
	want := map[string]ledger.State{"inflight.warc.gz": ledger.Announced, "failed.warc.gz": ledger.Failed,
		"kept.warc.gz": ledger.Verified}
	for path, state := range want {
		if recs[path].State != state {
			t.Errorf("%s is %s, want %s", path, recs[path].State, state)
		}
	}
}

// TestIntegrationMinAge checks that young files are announced once they are
// old enough, by a timer rather than the next rescan.
func TestIntegrationMinAge(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	const minAge = 400 * time.Millisecond
	h := newHarness(t, func(c *Config) { c.Routes[0].MinAge = minAge })
	h.write("old.warc.gz", "old")
	past := time.Now().Add(-time.Hour)
	if err := os.Chtimes(h.path("old.warc.gz"), past, past); err != nil {
		t.Fatal(err)
	}
	h.run()
	h.waitRecords("old.warc.gz")

	h.heritrixWrite("young.warc.gz", "young")
	time.Sleep(minAge / 3)
	if recs := h.records(); recs["young.warc.gz"] != nil {
		t.Fatalf("young.warc.gz announced %v after it was written, before min age %v", minAge/3, minAge)
	}
	h.waitRecords("old.warc.gz", "young.warc.gz")

	// Written in place under its final name: announced once, complete.
	writeSlowly(t, h.path("inplace.warc.gz"), "12", "345", "6789")
	recs := h.waitRecords("inplace.warc.gz", "old.warc.gz", "young.warc.gz")
	if r := recs["inplace.warc.gz"]; r.Size != 9 {
		t.Errorf("inplace.warc.gz announced with size %d, want 9", r.Size)
	}
	if got := h.closedCount(); got != 3 {
		t.Errorf("files closed = %v, want 3", got)
	}
}

// writeSlowly writes a file in place in parts, pausing between them.
func writeSlowly(t *testing.T, path string, parts ...string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, part := range parts {
		if _, err := f.WriteString(part); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
