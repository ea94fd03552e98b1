package ledger

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
)

// A Read answers for the files it asked for as Get did when it was made;
// for a file it did not ask for, or once ReadFresh has passed, GetFrom
// reads the ledger again.
func TestIntegrationReadAnswersAsGetWhileFresh(t *testing.T) {
	l := newLedger(t)
	ctx := context.Background()
	files := []bus.File{file(1), file(2), file(3)}
	if err := l.Set(ctx, route, "h1", files[0], Copied, nil); err != nil {
		t.Fatal(err)
	}
	if err := l.Set(ctx, route, "h1", files[1], Moved, nil); err != nil {
		t.Fatal(err)
	}
	rd := l.ReadAll(ctx, route, "h1", files[:3])
	if rd.vals == nil {
		t.Fatal("the batched read failed on an embedded server")
	}
	for _, f := range files {
		want, wantRev, wantErr := l.Get(ctx, route, "h1", f.Path)
		got, rev, err := l.GetFrom(ctx, rd, route, "h1", f.Path)
		if !errors.Is(err, wantErr) || rev != wantRev || (want == nil) != (got == nil) || (want != nil && got.State != want.State) {
			t.Errorf("%s: GetFrom = %+v at %d (%v), Get = %+v at %d (%v)", f.Path, got, rev, err, want, wantRev, wantErr)
		}
	}

	// Written since: a fresh Read still answers as it was (the write after
	// a decision on it is a compare-and-set on its revision) ...
	if err := l.Set(ctx, route, "h1", files[2], Copied, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.GetFrom(ctx, rd, route, "h1", files[2].Path); !errors.Is(err, ErrNoRecord) {
		t.Errorf("a fresh Read answered %v for a file without a record when read, want ErrNoRecord", err)
	}
	// ... an old one does not, nor does one for a file it was not asked for.
	rd.at = time.Now().Add(-ReadFresh - time.Second)
	if r, _, err := l.GetFrom(ctx, rd, route, "h1", files[2].Path); err != nil || r.State != Copied {
		t.Errorf("an old Read answered %+v, %v; want the ledger read again (copied)", r, err)
	}
	fresh := l.ReadAll(ctx, route, "h1", files[:2])
	if r, _, err := l.GetFrom(ctx, fresh, route, "h1", files[2].Path); err != nil || r.State != Copied {
		t.Errorf("a Read not asked for %s answered %+v, %v; want the ledger read (copied)", files[2].Path, r, err)
	}
}

// SetAll's batch is compare-and-set on the revisions its Read found: a
// record written after the Read fails the batch, and the writes one by one
// that follow keep a final state final.
func TestIntegrationSetAllAfterAReadIsCompareAndSet(t *testing.T) {
	l := newLedger(t)
	ctx := context.Background()
	files := []bus.File{file(1), file(2)}
	if errs := l.SetAll(ctx, route, "h1", files, Batched, nil); errs != nil {
		t.Fatal(errs)
	}
	rd := l.ReadAll(ctx, route, "h1", files)
	if err := l.Set(ctx, route, "h1", files[1], Moved, nil); err != nil { // after the Read
		t.Fatal(err)
	}
	var writes []bus.Write
	for _, f := range files {
		w, change, err := l.change(ctx, rd, route, "h1", f, Copied, nil)
		if err != nil || !change {
			t.Fatalf("change of %s: %v, %v", f.Path, change, err)
		}
		writes = append(writes, w)
	}
	if _, err := l.kv.WriteAll(ctx, writes); !errors.Is(err, bus.ErrKeyTaken) {
		t.Fatalf("a batch on a stale Read wrote (%v); want it refused", err)
	}
	if errs := l.SetAll(ctx, route, "h1", files, Copied, nil); errs != nil {
		t.Fatal(errs)
	}
	if r := get(t, l, files[1]); r.State != Moved {
		t.Errorf("%s is %s after SetAll, want moved kept", files[1].Path, r.State)
	}
}
