package ledger

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
)

const route = "warcs"

func newLedger(t *testing.T) *Ledger {
	t.Helper()
	if testing.Short() {
		t.Skip("needs JetStream; skipped under -short")
	}
	t.Parallel()
	return New(bustest.Start(t).Ledger())
}

func file(i int) bus.File {
	return bus.File{Path: fmt.Sprintf("job/%03d.warc.gz", i), Size: int64(100 + i), ModTime: 7}
}

func get(t *testing.T, l *Ledger, f bus.File) *Record {
	t.Helper()
	r, _, err := l.Get(context.Background(), route, "h1", f.Path)
	if err != nil {
		t.Fatalf("ledger record of %s: %v", f.Path, err)
	}
	return r
}

// A final state is never undone by a late or duplicate job; a dead-lettered
// file may still turn out moved; a new version of a file starts afresh.
func TestIntegrationSetNeverUndoesFinal(t *testing.T) {
	l := newLedger(t)
	ctx := context.Background()
	tests := []struct {
		name     string
		from, to State
		newer    bool // the second write is about a new version of the file
		want     State
	}{
		{"moved stays moved", Moved, Copying, false, Moved},
		{"moved not failed", Moved, Failed, false, Moved},
		{"verified stays verified", Verified, Batched, false, Verified},
		{"failed may become moved", Failed, Moved, false, Moved},
		{"failed may become verified", Failed, Verified, false, Verified},
		{"failed does not become batched", Failed, Batched, false, Failed},
		{"failed does not become copying", Failed, Copying, false, Failed},
		{"in flight advances", Copying, Copied, false, Copied},
		{"in flight goes back on retry", Verifying, Copying, false, Copying},
		{"new version of a moved file", Moved, Copying, true, Copying},
		{"new version of a failed file", Failed, Batched, true, Batched},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := file(i)
			if err := l.Set(ctx, route, "h1", f, tt.from, func(r *Record) { r.JobID = "first" }); err != nil {
				t.Fatal(err)
			}
			if tt.newer {
				f.ModTime++
			}
			if err := l.Set(ctx, route, "h1", f, tt.to, func(r *Record) { r.JobID = "second" }); err != nil {
				t.Fatal(err)
			}
			r := get(t, l, f)
			if r.State != tt.want {
				t.Errorf("state = %s, want %s", r.State, tt.want)
			}
			if changed := tt.want == tt.to; changed != (r.JobID == "second") || !r.Same(f) {
				t.Errorf("record = %+v: edit applied or version kept wrongly", r)
			}
		})
	}
}

// Every transition TestTransitions refuses is refused by Set on the real
// bucket: the record keeps its state, job, hash and revision, and the edit
// is not applied.
func TestIntegrationSetRefusesEveryIllegalTransition(t *testing.T) {
	l := newLedger(t)
	ctx := context.Background()
	n := 0
	for _, from := range States() {
		for _, to := range States() {
			if mayChange(from, to) {
				continue
			}
			f := file(n)
			n++
			f.Hash = "first-hash"
			if err := l.Set(ctx, route, "h1", f, from, func(r *Record) { r.JobID = "first" }); err != nil {
				t.Fatal(err)
			}
			_, rev, err := l.Get(ctx, route, "h1", f.Path)
			if err != nil {
				t.Fatal(err)
			}
			f.Hash = "late-hash"
			if err := l.Set(ctx, route, "h1", f, to, func(r *Record) { r.JobID = "late" }); err != nil {
				t.Errorf("%s -> %s: %v", from, to, err)
			}
			r, revAfter, err := l.Get(ctx, route, "h1", f.Path)
			if err != nil {
				t.Fatal(err)
			}
			if r.State != from || r.JobID != "first" || r.Hash != "first-hash" || revAfter != rev {
				t.Errorf("%s -> %s: record %s job %s hash %s rev %d->%d; want it untouched", from, to, r.State, r.JobID, r.Hash, rev, revAfter)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d refused transitions tried; TestTransitions pins 23", n)
	}
}

// Set keeps what it is not told: a hash learnt earlier survives later states.
func TestIntegrationSetKeepsHash(t *testing.T) {
	l := newLedger(t)
	ctx := context.Background()
	f := file(0)
	hashed := f
	hashed.Hash = "abc123"
	for _, step := range []struct {
		f     bus.File
		state State
	}{{f, Copying}, {hashed, Copied}, {f, Verifying}} {
		if err := l.Set(ctx, route, "h1", step.f, step.state, nil); err != nil {
			t.Fatal(err)
		}
	}
	if r := get(t, l, f); r.State != Verifying || r.Hash != "abc123" || r.Host != "h1" || r.Created.IsZero() {
		t.Errorf("record = %+v", r)
	}
}

// Racing announcers (a rescan and an event) publish a file exactly once,
// whether it is new or its record went stale.
func TestIntegrationAnnounceOnce(t *testing.T) {
	l := newLedger(t)
	ctx := context.Background()
	base := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return base }
	const stale, files, racers = time.Hour, 20, 4
	for i := files; i < 2*files; i++ { // in flight since base
		if err := l.Set(ctx, route, "h1", file(i), Copying, nil); err != nil {
			t.Fatal(err)
		}
	}
	l.now = func() time.Time { return base.Add(2 * stale) }
	for i := range 2 * files {
		var wg sync.WaitGroup
		announced := make(chan bool, racers)
		start := make(chan struct{})
		for range racers {
			wg.Go(func() {
				<-start
				ok, err := l.Announce(ctx, route, "h1", file(i), Policy{StaleAfter: stale})
				if err != nil {
					t.Error(err)
				}
				announced <- ok
			})
		}
		close(start)
		wg.Wait()
		close(announced)
		n := 0
		for ok := range announced {
			if ok {
				n++
			}
		}
		if n != 1 {
			t.Errorf("file %d announced %d times by %d racers, want once", i, n, racers)
		}
		if r := get(t, l, file(i)); r.State != Announced {
			t.Errorf("file %d is %s after announce, want closed", i, r.State)
		}
	}
	// Announced and fresh: nobody announces again.
	if ok, err := l.Announce(ctx, route, "h1", file(0), Policy{StaleAfter: stale}); ok || err != nil {
		t.Errorf("second announce = %v, %v; want false", ok, err)
	}
}

// Concurrent failures of one job are all counted.
func TestIntegrationFailureCounts(t *testing.T) {
	l := newLedger(t)
	ctx := context.Background()
	const n = 10
	counts := make(chan int, n)
	start := make(chan struct{}) // all read the count at once
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			c, err := l.Failure(ctx, bus.StageCopy, "job1", fmt.Errorf("failure %d", i))
			if err != nil {
				t.Error(err)
			}
			counts <- c
		})
	}
	close(start)
	wg.Wait()
	close(counts)
	var got []int
	for c := range counts {
		got = append(got, c)
	}
	slices.Sort(got)
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}; !slices.Equal(got, want) {
		t.Errorf("Failure returned %v, want each of %v once", got, want)
	}
	if a, err := l.Attempts(ctx, bus.StageCopy, "job1"); a != n || err != nil {
		t.Errorf("Attempts = %d, %v; want %d", a, err, n)
	}
	if a, _ := l.Attempts(ctx, bus.StageVerify, "job1"); a != 0 {
		t.Errorf("verify attempts = %d, want 0: stages count apart", a)
	}
	if err := l.Forget(ctx, bus.StageCopy, "job1"); err != nil {
		t.Fatal(err)
	}
	if a, err := l.Attempts(ctx, bus.StageCopy, "job1"); a != 0 || err != nil {
		t.Errorf("Attempts after Forget = %d, %v; want 0", a, err)
	}
}

// Records lists a route's files; Reset marks one replayed, so it is
// announced again.
func TestIntegrationRecordsAndReset(t *testing.T) {
	l := newLedger(t)
	ctx := context.Background()
	for i := range 3 {
		if err := l.Set(ctx, route, "h1", file(i), Failed, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Set(ctx, "other", "h1", file(9), Moved, nil); err != nil {
		t.Fatal(err)
	}
	count := func(route string) int {
		n := 0
		if err := l.Records(ctx, route, func(*Record) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if a, b := count(route), count(""); a != 3 || b != 4 {
		t.Errorf("Records = %d for the route, %d in all; want 3 and 4", a, b)
	}
	if err := l.Reset(ctx, route, "h1", file(0).Path); err != nil {
		t.Fatal(err)
	}
	if r, _, err := l.Get(ctx, route, "h1", file(0).Path); err != nil || r.State != Replayed || r.Attempts != 0 {
		t.Errorf("Get after Reset = %+v, %v; want replayed, no attempts", r, err)
	}
	if ok, err := l.Announce(ctx, route, "h1", file(0), Policy{StaleAfter: time.Hour}); !ok || err != nil {
		t.Errorf("Announce after Reset = %v, %v; want true", ok, err)
	}
	if a := count(route); a != 3 {
		t.Errorf("Records after reset and announce = %d, want 3", a)
	}
}

// Every write of a record appends a step to its trail, which survives a
// replay and the announcement after it, and stays bounded.
func TestIntegrationTrail(t *testing.T) {
	l := newLedger(t)
	ctx := context.Background()
	f := file(1)
	p := Policy{StaleAfter: time.Hour, DeletesSource: true}
	if ok, err := l.Announce(ctx, route, "h1", f, p); !ok || err != nil {
		t.Fatalf("Announce = %v, %v", ok, err)
	}
	if err := l.Set(ctx, route, "h1", f, Batched, func(r *Record) { r.JobID = "j1" }); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("é", TrailErrorBytes) // two bytes each
	if err := l.Fail(ctx, route, "h1", "j1", 3, []bus.DeadFile{{File: f, Reason: "conflict", Error: long}}); err != nil {
		t.Fatal(err)
	}
	if err := l.Reset(ctx, route, "h1", f.Path); err != nil {
		t.Fatal(err)
	}
	if ok, err := l.Announce(ctx, route, "h1", f, p); !ok || err != nil {
		t.Fatalf("Announce after the replay = %v, %v", ok, err)
	}
	if err := l.Set(ctx, route, "h1", f, Moved, func(r *Record) { r.JobID = "j2" }); err != nil {
		t.Fatal(err)
	}
	r := get(t, l, f)
	var got []string
	for _, s := range r.Trail {
		got = append(got, string(s.State)+"/"+s.Job)
	}
	want := []string{"closed/", "batched/j1", "failed/j1", "replayed/", "closed/", "moved/j2"}
	if !slices.Equal(got, want) {
		t.Fatalf("trail %v, want %v", got, want)
	}
	failed := r.Trail[2]
	if failed.Reason != "conflict" || failed.Attempt != 3 || !utf8.ValidString(failed.Error) ||
		len(failed.Error) > TrailErrorBytes+len("…") || !strings.HasPrefix(failed.Error, "éé") {
		t.Errorf("failed step %+v: want reason, attempt 3 and the error cut to %d bytes", failed, TrailErrorBytes)
	}
	for i := 1; i < len(r.Trail); i++ {
		if r.Trail[i].At.Before(r.Trail[i-1].At) {
			t.Errorf("step %d at %s is before step %d at %s", i, r.Trail[i].At, i-1, r.Trail[i-1].At)
		}
	}
	g := file(2)
	for i := range TrailSteps + 5 {
		if err := l.Set(ctx, route, "h1", g, Copying, func(r *Record) { r.JobID = fmt.Sprint("j", i) }); err != nil {
			t.Fatal(err)
		}
	}
	r = get(t, l, g)
	if len(r.Trail) != TrailSteps || r.Trail[len(r.Trail)-1].Job != fmt.Sprint("j", TrailSteps+4) ||
		r.Trail[0].Job != "j5" {
		t.Fatalf("trail of %d writes: %d steps, %s to %s; want the last %d",
			TrailSteps+5, len(r.Trail), r.Trail[0].Job, r.Trail[len(r.Trail)-1].Job, TrailSteps)
	}
}
