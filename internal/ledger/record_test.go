package ledger

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
)

func TestShouldAnnounce(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	const stale = time.Hour
	f := bus.File{Path: "job/a.warc.gz", Size: 100, ModTime: 7}
	rec := func(s State, age time.Duration) *Record {
		return &Record{Path: f.Path, Size: f.Size, ModTime: f.ModTime, State: s, Updated: now.Add(-age)}
	}
	grown := func(r *Record) *Record { r.Size++; return r }
	touched := func(r *Record) *Record { r.ModTime++; return r }
	// Another file renamed over the name, same size and mtime (cp -p).
	replaced := func(r *Record) *Record { r.Ino, r.CTime = 41, 5; return r }
	statusChanged := func(r *Record) *Record { r.Ino, r.CTime = 42, 5; return r }
	sameInode := func(r *Record) *Record { r.Ino, r.CTime = 42, 6; return r }
	f.Ino, f.CTime = 42, 6
	tests := []struct {
		name    string
		rec     *Record
		deletes bool // the route deletes sources now
		want    bool
	}{
		{"no record", nil, false, true},
		{"failed", rec(Failed, 0), false, false},
		{"failed long ago", rec(Failed, 100*stale), false, false},
		{"failed, new version", grown(rec(Failed, 0)), false, false}, // an operator replays it
		{"replayed by an operator", rec(Replayed, 0), false, true},
		{"moved", rec(Moved, 0), false, false},
		{"verified", rec(Verified, 100*stale), false, false},
		{"verified, route deletes now", rec(Verified, 0), true, true},
		{"moved, route deletes", rec(Moved, 0), true, false},
		{"moved, another file renamed over it", replaced(rec(Moved, 0)), false, true},
		{"moved, status changed", statusChanged(rec(Moved, 0)), false, true},
		{"moved, same inode and ctime", sameInode(rec(Moved, 0)), false, false},
		{"moved, identity unknown in the record", rec(Moved, 0), false, false},
		{"moved, new size", grown(rec(Moved, 0)), false, true},
		{"moved, new mtime", touched(rec(Moved, 0)), false, true},
		{"verified, new version", touched(rec(Verified, 0)), false, true},
		{"copying, new version", grown(rec(Copying, 0)), false, true},
		{"closed fresh", rec(Closed, time.Minute), false, false},
		{"batched fresh", rec(Batched, time.Minute), false, false},
		{"copying fresh", rec(Copying, stale-time.Second), false, false},
		{"copied fresh", rec(Copied, 0), false, false},
		{"verifying at the limit", rec(Verifying, stale), false, false},
		{"closed stale", rec(Closed, stale+time.Second), false, true},
		{"batched stale", rec(Batched, 2*stale), false, true},
		{"copying stale", rec(Copying, 2*stale), false, true},
		{"copied stale", rec(Copied, 2*stale), false, true},
		{"verifying stale", rec(Verifying, 2*stale), false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ShouldAnnounce(tt.rec, f, now, Policy{StaleAfter: stale, DeletesSource: tt.deletes}); got != tt.want {
				t.Errorf("ShouldAnnounce = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMayChange(t *testing.T) {
	tests := []struct {
		from, to State
		want     bool
	}{
		{Closed, Batched, true},
		{Copying, Copied, true},
		{Verifying, Copying, true}, // a retry copies again
		{Copied, Failed, true},
		{Moved, Copying, false}, // a late duplicate job
		{Moved, Closed, false},
		{Moved, Failed, false},
		{Verified, Verifying, false},
		{Verified, Moved, true}, // the route deletes sources now
		{Failed, Moved, true},   // a duplicate job succeeded
		{Failed, Verified, true},
		{Failed, Failed, true}, // a second dead letter updates the reason
		{Failed, Batched, false},
		{Failed, Copying, false},
		{Failed, Closed, false},
	}
	for _, tt := range tests {
		if got := mayChange(tt.from, tt.to); got != tt.want {
			t.Errorf("mayChange(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestStateDone(t *testing.T) {
	for s, want := range map[State]bool{Closed: false, Batched: false, Copying: false, Copied: false,
		Verifying: false, Moved: true, Verified: true, Failed: true} {
		if s.Done() != want {
			t.Errorf("%s.Done() = %v, want %v", s, !want, want)
		}
	}
}

// However often a file fails and is replayed, its record stays bounded:
// the trail keeps TrailSteps steps with errors cut to TrailErrorBytes.
func TestTrailBoundsRecordSize(t *testing.T) {
	r := Record{Route: "warcs", Host: "crawler01.example.org", Path: strings.Repeat("d/", 60) + "WEB-00001.warc.gz"}
	for i := range 10 * TrailSteps {
		r.State, r.Updated = Failed, time.Date(2026, 12, 2, 6, 0, i, 123456789, time.UTC)
		r.JobID, r.Attempts = "20261202T061548-007f25064094", i
		r.Reason, r.LastError = "io", strings.Repeat("x", 10_000)
		r.step()
	}
	data, err := json.Marshal(r.Trail)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Trail) != TrailSteps || len(data) > 5_000 {
		t.Fatalf("trail of %d bytes with %d steps; want %d steps, at most 5000 bytes", len(data), len(r.Trail), TrailSteps)
	}
}
