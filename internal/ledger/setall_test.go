package ledger

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
)

// SetAll writes a job's files in one batch, keeps final states final, and
// falls back to one write per file when the batch cannot go through.
func TestIntegrationSetAll(t *testing.T) {
	l := newLedger(t)
	ctx := context.Background()
	files := []bus.File{file(1), file(2), file(3), file(4)}
	if errs := l.SetAll(ctx, route, "h1", files, Batched, nil); errs != nil {
		t.Fatalf("SetAll of new records: %v", errs)
	}
	if err := l.Set(ctx, route, "h1", files[1], Moved, nil); err != nil {
		t.Fatal(err)
	}
	files[2].Hash = "abc"
	if errs := l.SetAll(ctx, route, "h1", files, Copied, func(r *Record) { r.JobID = "job-1" }); errs != nil {
		t.Fatalf("SetAll: %v", errs)
	}
	for i, want := range []State{Copied, Moved, Copied, Copied} {
		r := get(t, l, files[i])
		if r.State != want {
			t.Fatalf("%s is %s, want %s", files[i].Path, r.State, want)
		}
		if want == Copied && r.JobID != "job-1" {
			t.Fatalf("%s: edit not applied: %+v", files[i].Path, r)
		}
	}
	if r := get(t, l, files[2]); r.Hash != "abc" {
		t.Fatalf("hash not kept: %+v", r)
	}

	// A record written by another role between SetAll's read and its batch
	// makes the batch stale; every file still ends where it should.
	calls, raced := 0, false
	l.now = func() time.Time {
		// SetAll has read every record when it stamps the last one
		// (files[1] is moved already: it is read, not stamped).
		if calls++; calls == len(files)-1 {
			raced = true
			if err := l.Set(ctx, route, "h1", files[0], Verifying, nil); err != nil {
				t.Error(err)
			}
		}
		return time.Now()
	}
	if errs := l.SetAll(ctx, route, "h1", files, Moved, nil); errs != nil {
		t.Fatalf("SetAll racing another writer: %v", errs)
	}
	if !raced {
		t.Fatal("the race was not staged")
	}
	for _, f := range files {
		if r := get(t, l, f); r.State != Moved {
			t.Fatalf("%s is %s after SetAll, want moved", f.Path, r.State)
		}
	}
}

// A moved file's record expires after keep; a verified one (its source
// kept) and one in flight do not.
func TestIntegrationMovedRecordsExpire(t *testing.T) {
	l := newLedger(t).WithKeep(time.Second)
	ctx := context.Background()
	moved, alone, verified, copied := file(1), file(2), file(3), file(4)
	if errs := l.SetAll(ctx, route, "h1", []bus.File{moved, verified, copied}, Copied, nil); errs != nil {
		t.Fatal(errs)
	}
	if err := l.Set(ctx, route, "h1", alone, Moved, nil); err != nil { // created moved: no earlier record
		t.Fatal(err)
	}
	if errs := l.SetAll(ctx, route, "h1", []bus.File{moved}, Moved, nil); errs != nil {
		t.Fatal(errs)
	}
	if err := l.Set(ctx, route, "h1", verified, Verified, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, f := range []bus.File{moved, alone} {
		for {
			_, _, err := l.Get(ctx, route, "h1", f.Path)
			if errors.Is(err, ErrNoRecord) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("moved record of %s still there 10s after a keep of 1s (%v)", f.Path, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	for _, f := range []bus.File{verified, copied} {
		if r := get(t, l, f); r == nil {
			t.Fatalf("%s's record expired", f.Path)
		}
	}
}

// AnnounceAll announces a backlog once, in a batch, and leaves alone what
// the ledger says is done or in flight.
func TestIntegrationAnnounceAll(t *testing.T) {
	l := newLedger(t)
	ctx := context.Background()
	p := Policy{StaleAfter: time.Hour, DeletesSource: true}
	files := []bus.File{file(1), file(2), file(3)}
	if err := l.Set(ctx, route, "h1", files[1], Moved, nil); err != nil {
		t.Fatal(err)
	}
	if err := l.Reset(ctx, route, "h1", files[2].Path); err != nil { // no record, but a tombstone
		t.Fatal(err)
	}
	got, err := l.AnnounceAll(ctx, route, "h1", files, p)
	if err != nil || !got[0] || got[1] || !got[2] {
		t.Fatalf("AnnounceAll = %v, %v; want [true false true]", got, err)
	}
	for _, i := range []int{0, 2} {
		if r := get(t, l, files[i]); r.State != Announced {
			t.Fatalf("%s is %s, want closed", files[i].Path, r.State)
		}
	}
	got, err = l.AnnounceAll(ctx, route, "h1", files, p)
	if err != nil || got[0] || got[1] || got[2] {
		t.Fatalf("second AnnounceAll = %v, %v; want nothing announced again", got, err)
	}
	more := []bus.File{file(4), file(5)}
	if got, err := l.AnnounceAll(ctx, route, "h1", more, p); err != nil || !got[0] || !got[1] {
		t.Fatalf("AnnounceAll of new files = %v, %v", got, err)
	}
}
