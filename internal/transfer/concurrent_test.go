package transfer_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
)

// writer is one Put in flight whose bytes the test hands over in steps.
type writer struct {
	content string
	pw      *io.PipeWriter
	sum     transfer.Sum
	err     error
	done    chan struct{}
}

func startPut(t *testing.T, d *transfer.Destination, rel, content string, mtime time.Time) *writer {
	pr, pw := io.Pipe()
	w := &writer{content: content, pw: pw, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		w.sum, w.err = d.Put(t.Context(), rel, pr, int64(len(content)), mtime, nil)
		pr.CloseWithError(fmt.Errorf("put returned: %w", w.err)) // unblock the test's writes
	}()
	return w
}

// send hands the Put content[from:to]; it returns once the backend has
// taken the bytes (io.Pipe is unbuffered).
func (w *writer) send(from, to int) {
	_, _ = io.WriteString(w.pw, w.content[from:to])
}

func (w *writer) finish() {
	w.send(len(w.content)/2, len(w.content))
	_ = w.pw.Close()
}

// testConcurrentWriters is the second writer of issue 7: hosts put
// different bytes at one path at once. Both get past any existence check
// made before the upload (each has sent half its bytes), then both finish
// together. At most one Put may win; the other must be a conflict, and the
// stored bytes must be the winner's. Equal sizes make both reach the final
// step at once, and rounds widen the race a check-then-act step loses;
// different mtimes keep the partial names of the old scheme apart, so this
// tests the final step alone.
func testConcurrentWriters(t *testing.T, b backend) {
	d := openDestination(t, b, transfer.SHA256)
	mtime := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	rounds := 10
	if b.onDisk() {
		rounds = 200 // cheap here, and a local check-then-act window is microseconds wide
	}
	for round := range rounds {
		rel := fmt.Sprintf("race/%d/a.warc.gz", round)
		contents := []string{
			strings.Repeat("host one ", 10_000),
			strings.Repeat("host two ", 10_000),
			strings.Repeat("host six ", 10_000),
		}
		var ws []*writer
		for i, c := range contents {
			w := startPut(t, d, rel, c, mtime.Add(time.Duration(i)*time.Second))
			w.send(0, len(c)/2)
			ws = append(ws, w)
		}
		var wg sync.WaitGroup
		for _, w := range ws {
			wg.Go(w.finish)
		}
		wg.Wait()
		var winners []*writer
		for _, w := range ws {
			<-w.done
			switch {
			case w.err == nil:
				winners = append(winners, w)
			case !errors.Is(w.err, fault.ErrConflict):
				// A retryable failure (serve s3 answers some racing
				// writes with a 500) must turn into a conflict on the
				// retry a redelivery makes.
				t.Logf("round %d: a loser failed: %v; retrying", round, w.err)
				_, err := d.Put(t.Context(), rel, strings.NewReader(w.content), int64(len(w.content)), mtime, nil)
				wantIs(t, "the loser's retry", err, fault.ErrConflict)
			}
		}
		if len(winners) != 1 {
			t.Fatalf("round %d: %d Puts won, want exactly 1", round, len(winners))
		}
		got, err := os.ReadFile(b.path(rel))
		if err != nil || string(got) != winners[0].content {
			t.Fatalf("round %d: stored %d bytes (%v), want the winner's %d", round, len(got), err, len(winners[0].content))
		}
		if back := readBack(t, d, rel); back != winners[0].sum {
			t.Fatalf("round %d: ReadBack = %+v, winner's Put said %+v", round, back, winners[0].sum)
		}
		assertOnly(t, filepath.Dir(b.path(rel)), "a.warc.gz")
	}
}

// testPartialPerAttempt is item 5: two copy jobs of the same file (same
// path, size and mtime) must each write their own partial, or one job's
// truncate lands in the other's upload. One wins, the other is a conflict
// and removes its own partial.
func testPartialPerAttempt(t *testing.T, b backend) {
	d := openDestination(t, b, transfer.SHA256)
	const rel = "twice/a.warc.gz"
	content := strings.Repeat("same file, two jobs ", 100_000)
	mtime := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	a := startPut(t, d, rel, content, mtime)
	a.send(0, len(content)/2)
	c := startPut(t, d, rel, content, mtime)
	c.send(0, len(content)/2)
	dir := filepath.Dir(b.path(rel))
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 2 {
		t.Errorf("mid-upload the dir holds %v, %v; want two partials, one per Put", names(entries), err)
	}
	a.finish()
	<-a.done
	c.finish()
	<-c.done
	if a.err != nil {
		t.Fatalf("first Put: %v", a.err)
	}
	wantIs(t, "second Put", c.err, fault.ErrConflict)
	got, err := os.ReadFile(b.path(rel))
	if err != nil || string(got) != content {
		t.Fatalf("stored %d bytes (%v), want the %d sent", len(got), err, len(content))
	}
	assertOnly(t, dir, "a.warc.gz")
}

// assertOnly fails unless dir holds exactly the file name: no partial was
// left behind.
func assertOnly(t *testing.T, dir, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || entries[0].Name() != name {
		t.Fatalf("dir holds %v, %v; want only %s", names(entries), err, name)
	}
}

func names(entries []os.DirEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
