package mover

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/ledger"
)

// Red team (session 21, ada36c8): once a moved file's record has left the
// bucket (ledger.MovedHold, a minute), nothing in the bucket says it is
// moved, and whatever writes a record of that file again there hides the
// archive from doneMeanwhile, whose Lookup reads the archive only when the
// bucket has no record: the copy job finds the source missing, the bucket's
// fresh record is not final, and a file moved correctly is failed
// source_missing (retried, then dead-lettered; its record then says failed
// and `ferry status` shows it failed: Records skips the archived version
// the bucket has). Two such writers:
//   - a stale listing (a scan that found the name before the verifier
//     deleted it), which ledger.ShouldAnnounce refuses while a Moved record
//     of the same file is in the bucket;
//   - the dispatcher's duplicate job after a crash or a lost ack (the closed
//     event comes back after retry.ack_wait, 2m by default, longer than
//     the hold), which records a large file Batched.
//
// Before ada36c8 the Moved record stayed in the bucket for ledger.keep:
// the announcement was refused, Batched could not replace Moved, and the
// mover skipped the file. Passes when the announcement is refused or the
// job counts the file done.
func TestRedteam21StaleAnnouncementAfterTheHoldIsNotADeadLetter(t *testing.T) {
	for _, again := range []struct {
		name string
		// record does what leaves a record of a moved file in the bucket
		// again, after the hold; false: nothing will be published.
		record func(t *testing.T, r *pipelineRig, f bus.File) bool
	}{
		{"stale listing announced", func(t *testing.T, r *pipelineRig, f bus.File) bool {
			announce, err := r.ledger.AnnounceAll(t.Context(), "r", testHost, []bus.File{f},
				ledger.Policy{StaleAfter: time.Hour, DeletesSource: true})
			if err != nil {
				t.Fatal(err)
			}
			return announce[0]
		}},
		// The dispatcher died (or its ack was lost) after publishing the
		// file's job: the closed event comes back after retry.ack_wait (2m
		// by default, longer than MovedHold), and its new job is a
		// duplicate. For a file of ledger.SlowFileSize or more the
		// dispatcher records it Batched (dispatcher/flush.go) with the new
		// job's id; "every later step is idempotent".
		{"dispatcher's duplicate job of a large file", func(t *testing.T, r *pipelineRig, f bus.File) bool {
			if err := r.ledger.Set(t.Context(), "r", testHost, f, ledger.Batched, func(rec *ledger.Record) {
				rec.JobID = r.job.ID
			}); err != nil {
				t.Fatal(err)
			}
			return true
		}},
	} {
		t.Run(again.name, func(t *testing.T) {
			r := newPipelineRig(t, 10, "a.warc.gz", "b.warc.gz")
			r.ledger.WithHold(time.Second)
			close(r.src.open)
			ctx := t.Context()
			f := r.job.Files[0]
			// What a verify job of an earlier copy job did: the source
			// deleted, the file recorded moved (and archived).
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
			if !again.record(t, r, f) {
				return // refused, as before ada36c8
			}
			r.job.Files = r.job.Files[:1]
			out := <-r.run()
			if len(out.Pending)+len(out.Dead) > 0 || out.Err != nil {
				rec, _ := r.ledger.Lookup(ctx, "r", testHost, f.Path)
				t.Fatalf("copy job of a moved file = %+v (record now %s, %+v); want it done: the archive says moved",
					out, rec.State, rec)
			}
		})
	}
}

// Red team (session 21, ada36c8): a forged archive entry (a crawler may
// archive its own host's records and shared routes') saying a file is
// moved, with the identity the scan shows, does not make the mover skip a
// copy whose source is there (doneMeanwhile runs only for a source missing
// at open). A file that went missing while the bucket has its record in
// flight is counted done when the archive says this version was moved: that
// is a stale announcement's record over an archived move (the test above),
// and only the file's own host may archive it, which may as well write its
// own bucket record moved. Passed on ada36c8 with the last case failing the
// file source_missing; the fix of the test above makes it done.
func TestRedteam21ForgedArchiveEntryDoesNotSkipACopy(t *testing.T) {
	for _, c := range []struct {
		name          string
		announced     bool // the bucket has the file's Announced record
		sourceMissing bool
	}{
		{"source there, no record", false, false},
		{"source there, announced", true, false},
		{"source missing, announced", true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newPipelineRig(t, 10, "a.warc.gz")
			close(r.src.open)
			ctx := t.Context()
			f := r.job.Files[0]
			if c.announced {
				if _, err := r.ledger.AnnounceAll(ctx, "r", testHost, []bus.File{f}, ledger.Policy{StaleAfter: time.Hour, DeletesSource: true}); err != nil {
					t.Fatal(err)
				}
			}
			sum := sha256.Sum256([]byte(f.Path))
			key := "file.r." + bus.HostToken(testHost) + "." + hex.EncodeToString(sum[:16])
			forged := fmt.Sprintf(`{"route":"r","host":%q,"path":%q,"size":%d,"mtime_ns":%d,"state":"moved","job":"20261202T031500-ba9876543210"}`,
				testHost, f.Path, f.Size, f.ModTime)
			if err := r.bus.Ledger().Archive(ctx, []bus.Archived{{Shard: key[:len(key)-30], Key: key, Value: []byte(forged)}}); err != nil {
				t.Fatal(err)
			}
			if c.announced {
				if rec, _, err := r.ledger.Get(ctx, "r", testHost, f.Path); err != nil || rec.State != ledger.Announced {
					t.Fatalf("bucket record %+v, %v", rec, err)
				}
			} else if rec, err := r.ledger.Lookup(ctx, "r", testHost, f.Path); err != nil || rec.State != ledger.Moved {
				t.Fatalf("forged entry not found by Lookup: %+v, %v", rec, err)
			}
			if c.sourceMissing {
				if err := os.Remove(filepath.Join(r.src.Source.String(), f.Path)); err != nil {
					t.Fatal(err)
				}
			}
			out := <-r.run()
			if c.sourceMissing {
				if len(out.Pending)+len(out.Dead) > 0 || out.Err != nil {
					t.Fatalf("copy job = %+v, want a.warc.gz done: the archive says this version moved", out)
				}
				return
			}
			if len(out.Pending)+len(out.Dead) > 0 || out.Err != nil {
				t.Fatalf("copy job = %+v", out)
			}
			if j := r.verifyJobs(1); len(j[0].Files) != 1 {
				t.Fatalf("verify jobs = %+v, want a.warc.gz copied and handed on", j)
			}
		})
	}
}
