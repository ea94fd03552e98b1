package mover

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/ledger"
)

// Red team (session 21, ada36c8): once a moved file's record has left the
// bucket (ledger.MovedHold, a minute), nothing in the bucket says it is
// moved. A stale listing of it (a scan that found the name before the
// verifier deleted it, which ledger.ShouldAnnounce refuses while a Moved
// record of the same file is there) is announced again, and its copy job
// finds the source missing. doneMeanwhile's Lookup reads the bucket first:
// it finds the fresh Announced record and never looks at the archive, which
// says moved, so a file moved correctly goes to the dead letters
// (source_missing, retried, then dead-lettered) and its record says failed.
// Before ada36c8 the Moved record stayed in the bucket for ledger.keep and
// the announcement was refused.
//
// Passes when either the announcement is refused or the job counts the file
// done.
func TestRedteam21StaleAnnouncementAfterTheHoldIsNotADeadLetter(t *testing.T) {
	r := newPipelineRig(t, 10, "a.warc.gz", "b.warc.gz")
	r.ledger.WithHold(time.Second)
	close(r.src.open)
	ctx := t.Context()
	f := r.job.Files[0]
	// What a verify job of an earlier copy job did: the source deleted, the
	// file recorded moved (and archived).
	if err := os.Remove(filepath.Join(r.src.Source.String(), f.Path)); err != nil {
		t.Fatal(err)
	}
	if err := r.ledger.Set(ctx, "r", testHost, f, ledger.Moved, func(rec *ledger.Record) {
		rec.JobID = "20261202T031500-ba9876543210-v1"
	}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, _, err := r.ledger.Get(ctx, "r", testHost, f.Path); errors.Is(err, ledger.ErrNoRecord) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("moved record still in the bucket 10s after a hold of 1s: not archived?")
		}
	}
	if rec, err := r.ledger.Lookup(ctx, "r", testHost, f.Path); err != nil || rec.State != ledger.Moved {
		t.Fatalf("archived record: %+v, %v; want moved", rec, err)
	}
	// The watcher's stale listing of a.warc.gz.
	announce, err := r.ledger.AnnounceAll(ctx, "r", testHost, []bus.File{f},
		ledger.Policy{StaleAfter: time.Hour, DeletesSource: true})
	if err != nil {
		t.Fatal(err)
	}
	if !announce[0] {
		return // refused, as before ada36c8
	}
	t.Log("the stale listing of a moved file was announced again (no Moved record in the bucket)")
	r.job.Files = r.job.Files[:1]
	out := <-r.run()
	if len(out.Pending)+len(out.Dead) > 0 || out.Err != nil {
		rec, _ := r.ledger.Lookup(ctx, "r", testHost, f.Path)
		t.Fatalf("copy job of a re-announced moved file = %+v (record now %+v); want it done: the archive says moved", out, rec)
	}
}
