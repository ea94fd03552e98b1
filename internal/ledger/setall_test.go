package ledger

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
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

// A moved file's record leaves the bucket after the hold (the bucket's
// server holds every live key in memory), and is found in the archive
// after that: by Lookup and, once, by Records. A verified one (its source
// kept) and one in flight stay in the bucket.
func TestIntegrationMovedRecordsLeaveTheBucketForTheArchive(t *testing.T) {
	l := newLedger(t).WithHold(time.Second)
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
	// Within the hold each moved file is listed once, though it is in both.
	if got := recordStates(t, l); len(got) != 4 || got[moved.Path] != Moved || got[alone.Path] != Moved {
		t.Fatalf("records within the hold: %v", got)
	}
	awaitNoRecord(t, l, 10*time.Second, moved, alone)
	for _, f := range []bus.File{verified, copied} {
		if r := get(t, l, f); r == nil {
			t.Fatalf("%s's record left the bucket", f.Path)
		}
	}
	for _, f := range []bus.File{moved, alone} {
		r, err := l.Lookup(ctx, route, "h1", f.Path)
		if err != nil || r.State != Moved || !r.Same(f) {
			t.Fatalf("Lookup of %s after the hold: %+v, %v", f.Path, r, err)
		}
	}
	if _, err := l.Lookup(ctx, route, "h1", file(5).Path); !errors.Is(err, ErrNoRecord) {
		t.Fatalf("Lookup of a file never recorded: %v, want ErrNoRecord", err)
	}
	want := map[string]State{moved.Path: Moved, alone.Path: Moved, verified.Path: Verified, copied.Path: Copied}
	if got := recordStates(t, l); !maps.Equal(got, want) {
		t.Fatalf("records after the hold: %v, want %v", got, want)
	}
}

// Without an archive (deleted, or not made yet because this host's user
// may not), a moved record stays in the bucket for ledger.keep: it does not
// leave after the hold with nowhere to go.
func TestIntegrationMovedRecordsStayWithoutAnArchive(t *testing.T) {
	if testing.Short() {
		t.Skip("needs JetStream; skipped under -short")
	}
	t.Parallel()
	b := bustest.Start(t)
	ctx := context.Background()
	if err := bustest.DeleteStream(ctx, b, bus.StreamArchive); err != nil {
		t.Fatal(err)
	}
	l := New(b.Ledger()).WithHold(time.Second).WithKeep(3 * time.Second)
	kept := file(1)
	if err := l.Set(ctx, route, "h1", kept, Moved, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // twice the hold
	if r := get(t, l, kept); r.State != Moved {
		t.Fatalf("moved record is %s", r.State)
	}
	awaitNoRecord(t, l, 10*time.Second, kept) // and it does expire after keep
}

// awaitNoRecord waits until none of files has a record in the bucket.
func awaitNoRecord(t *testing.T, l *Ledger, within time.Duration, files ...bus.File) {
	t.Helper()
	deadline := time.Now().Add(within)
	for _, f := range files {
		for {
			_, _, err := l.Get(context.Background(), route, "h1", f.Path)
			if errors.Is(err, ErrNoRecord) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("record of %s still in the bucket after %s (%v)", f.Path, within, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// recordStates is what Records lists: each path's state; a path listed
// twice fails the test.
func recordStates(t *testing.T, l *Ledger) map[string]State {
	t.Helper()
	got := map[string]State{}
	err := l.Records(context.Background(), "", func(r *Record) error {
		if _, dup := got[r.Path]; dup {
			t.Errorf("Records lists %s twice", r.Path)
		}
		got[r.Path] = r.State
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
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
