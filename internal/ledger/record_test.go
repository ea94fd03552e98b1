package ledger

import (
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
	tests := []struct {
		name string
		rec  *Record
		want bool
	}{
		{"no record", nil, true},
		{"failed", rec(Failed, 0), false},
		{"failed long ago", rec(Failed, 100*stale), false},
		{"failed, new version", grown(rec(Failed, 0)), false}, // an operator replays it
		{"moved", rec(Moved, 0), false},
		{"verified", rec(Verified, 100*stale), false},
		{"moved, new size", grown(rec(Moved, 0)), true},
		{"moved, new mtime", touched(rec(Moved, 0)), true},
		{"verified, new version", touched(rec(Verified, 0)), true},
		{"copying, new version", grown(rec(Copying, 0)), true},
		{"closed fresh", rec(Closed, time.Minute), false},
		{"batched fresh", rec(Batched, time.Minute), false},
		{"copying fresh", rec(Copying, stale-time.Second), false},
		{"copied fresh", rec(Copied, 0), false},
		{"verifying at the limit", rec(Verifying, stale), false},
		{"closed stale", rec(Closed, stale+time.Second), true},
		{"batched stale", rec(Batched, 2*stale), true},
		{"copying stale", rec(Copying, 2*stale), true},
		{"copied stale", rec(Copied, 2*stale), true},
		{"verifying stale", rec(Verifying, 2*stale), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ShouldAnnounce(tt.rec, f, now, stale); got != tt.want {
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
		{Verified, Moved, false},
		{Failed, Moved, true}, // a duplicate job succeeded
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
