package verifier

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// Red team (session 21, ada36c8): a duplicate verify job that comes after
// the moved record left the bucket (MovedHold, a minute; a verify job a
// verifier died on after recording it comes back after retry.ack_wait, 2m
// by default) finds no record, so ShouldVerify says yes: it verifies again.
// The source is gone, so it deletes nothing and (vanished) reads the whole
// copy back, where before ada36c8 the Moved record made it skip the file.
//   - copy intact: the file is recorded moved again, no fault (passes; a full
//     read-back of every such file is the cost);
//   - copy gone since the move (an operator moved it on, a lifecycle rule
//     made it unreadable): the moved file is failed source_missing, retried,
//     then dead-lettered, its record failed (fails on ada36c8).
func TestRedteam21LateDuplicateVerifyJobAfterTheHold(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: JetStream and rclone")
	}
	transfertest.Init(t)
	for _, copyGone := range []bool{false, true} {
		name := "copy intact"
		if copyGone {
			name = "copy gone"
		}
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			b := bustest.Start(t)
			l := ledger.New(b.Ledger()).WithHold(time.Second)
			c := copyTo(t, "local", "a.warc.gz", "the bytes of a, verified")
			v := ledgerVerifier(t, b, l, "r", c.src, c.dst)
			if _, err := l.Announce(ctx, "r", "h1", c.file, ledger.Policy{StaleAfter: time.Hour, DeletesSource: true}); err != nil {
				t.Fatal(err)
			}
			job := bus.Job{ID: "20261203T120000-0123456789ab-aaaaaaaaaaaaaaaa", Route: "r", Host: "h1", Files: []bus.File{c.file}}
			if out := v.verifyJob(ctx, job, &transfer.Progress{}); len(out.Pending)+len(out.Dead) > 0 || out.Err != nil {
				t.Fatalf("first verify job: %+v", out)
			}
			if _, err := os.Stat(c.srcPath); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("source after the first job: %v", err)
			}
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				if _, _, err := l.Get(ctx, "r", "h1", c.file.Path); errors.Is(err, ledger.ErrNoRecord) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("moved record still in the bucket 10s after a hold of 1s")
				}
			}
			if copyGone {
				if err := os.Remove(c.copyPath); err != nil {
					t.Fatal(err)
				}
			}
			progress := &transfer.Progress{}
			out := v.verifyJob(ctx, job, progress) // the same job, redelivered
			rec, err := l.Lookup(ctx, "r", "h1", c.file.Path)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("late duplicate: %+v; record %s", out, rec.State)
			if len(out.Pending)+len(out.Dead) > 0 || out.Err != nil || rec.State != ledger.Moved {
				t.Fatalf("late duplicate verify job of a moved file: %+v, record %s; want nothing to do", out, rec.State)
			}
		})
	}
}
