package ledger

import (
	"slices"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
)

// TestStageTable pins what each stage does with a file in each state, for
// the version of the file its record describes: whether the watcher
// announces it (a fresh or stale record; the route keeping or deleting
// sources), what the mover owes it (the record written by this copy job,
// by one of its verify jobs, by another job), and whether the verifier
// verifies it (the record written by this verify job or another; the route
// keeping or deleting sources).
func TestStageTable(t *testing.T) {
	const (
		copyJob  = "20261202T170000-0123456789ab"
		otherJob = "20261202T160000-ba9876543210"
		stale    = time.Hour
	)
	now := time.Date(2026, 12, 2, 17, 0, 0, 0, time.UTC)
	f := bus.File{Path: "job/a.warc.gz", Size: 100, ModTime: 7, Ino: 42, CTime: 6}
	verifyJob := bus.VerifyJobID(copyJob, []bus.File{f})
	type announce struct{ freshKeeps, staleKeeps, freshDeletes, staleDeletes bool }
	type copying struct{ thisJob, itsVerifyJob, otherJob CopyTask }
	type verifying struct{ thisJobKeeps, thisJobDeletes, otherJobKeeps, otherJobDeletes bool }
	inFlight := announce{false, true, false, true}
	never := announce{false, false, false, false}
	copyAll := copying{CopyFile, CopyFile, CopyFile}
	verifyAll := verifying{true, true, true, true}
	table := []struct {
		state    State
		announce announce
		copy     copying
		verify   verifying
	}{
		{Announced, inFlight, copyAll, verifyAll},
		{Batched, inFlight, copyAll, verifyAll},
		{Copying, inFlight, copyAll, verifyAll},
		{Copied, inFlight, copying{CopyHandOn, CopyFile, CopyFile}, verifyAll},
		{Verifying, inFlight, copying{CopyNone, CopyNone, CopyFile}, verifyAll},
		{Moved, never, copying{CopyNone, CopyNone, CopyNone}, verifying{false, false, false, false}},
		{Verified, announce{false, false, true, true}, copying{CopyNone, CopyNone, CopyNone}, verifying{false, true, false, true}},
		{Failed, never, copying{CopyNone, CopyNone, CopyFile}, verifying{false, false, true, true}},
		{Replayed, announce{true, true, true, true}, copyAll, verifyAll},
	}
	var covered []State
	for _, row := range table {
		covered = append(covered, row.state)
		t.Run(string(row.state), func(t *testing.T) {
			rec := func(job string, age time.Duration) *Record {
				return &Record{Path: f.Path, Size: f.Size, ModTime: f.ModTime, Ino: f.Ino, CTime: f.CTime,
					State: row.state, JobID: job, Hash: "h", Updated: now.Add(-age)}
			}
			shouldAnnounce := func(age time.Duration, deletes bool) bool {
				return ShouldAnnounce(rec(copyJob, age), f, now, Policy{StaleAfter: stale, DeletesSource: deletes})
			}
			if got := (announce{shouldAnnounce(0, false), shouldAnnounce(2*stale, false),
				shouldAnnounce(0, true), shouldAnnounce(2*stale, true)}); got != row.announce {
				t.Errorf("ShouldAnnounce = %+v, want %+v", got, row.announce)
			}
			if got := (copying{CopyTaskOf(rec(copyJob, 0), f, copyJob), CopyTaskOf(rec(verifyJob, 0), f, copyJob),
				CopyTaskOf(rec(otherJob, 0), f, copyJob)}); got != row.copy {
				t.Errorf("CopyTaskOf = %+v, want %+v", got, row.copy)
			}
			if got := (verifying{ShouldVerify(rec(verifyJob, 0), f, verifyJob, false), ShouldVerify(rec(verifyJob, 0), f, verifyJob, true),
				ShouldVerify(rec(otherJob, 0), f, verifyJob, false), ShouldVerify(rec(otherJob, 0), f, verifyJob, true)}); got != row.verify {
				t.Errorf("ShouldVerify = %+v, want %+v", got, row.verify)
			}
			// A record of another version of the file (another file renamed
			// over the name) decides nothing but a dead letter's hold.
			other := rec(copyJob, 0)
			other.CTime++
			if got, want := ShouldAnnounce(other, f, now, Policy{StaleAfter: stale}), row.state != Failed; got != want {
				t.Errorf("ShouldAnnounce of another version = %v, want %v", got, want)
			}
			if got := CopyTaskOf(other, f, copyJob); got != CopyFile {
				t.Errorf("CopyTaskOf another version = %v, want CopyFile", got)
			}
			if !ShouldVerify(other, f, copyJob, false) {
				t.Error("ShouldVerify another version = false, want true")
			}
		})
	}
	if !slices.Equal(covered, States()) {
		t.Errorf("table covers %v, want every state %v", covered, States())
	}
	if !ShouldAnnounce(nil, f, now, Policy{}) || CopyTaskOf(nil, f, copyJob) != CopyFile || !ShouldVerify(nil, f, verifyJob, false) {
		t.Error("a file with no record: want announced, copied and verified")
	}
}

// The mover's task by the job that wrote the record: a verify job's id
// extends its copy job's, and a longer copy job id that merely starts with
// this one is another job.
func TestCopyTaskOf(t *testing.T) {
	const job = "job-2"
	f := bus.File{Path: "a", Size: 1}
	rec := func(s State, id, hash string) *Record {
		return &Record{Path: "a", Size: 1, State: s, JobID: id, Hash: hash}
	}
	tests := []struct {
		name string
		rec  *Record
		want CopyTask
	}{
		{"no record", nil, CopyFile},
		{"moved by another job", rec(Moved, "job-1", ""), CopyNone},
		{"verified by another job", rec(Verified, "job-1", ""), CopyNone},
		{"copied by this job", rec(Copied, job, "h"), CopyHandOn},
		{"copied by this job, no hash recorded", rec(Copied, job, ""), CopyFile},
		{"copied by another job: copy again (its verify job may be lost)", rec(Copied, "job-1", "h"), CopyFile},
		{"failed in another job: try again", rec(Failed, "job-1", ""), CopyFile},
		{"this job already verifying it", rec(Verifying, job, ""), CopyNone},
		{"this job dead-lettered it", rec(Failed, job, ""), CopyNone},
		{"one of this job's verify jobs is verifying it", rec(Verifying, "job-2-0123456789abcdef", ""), CopyNone},
		{"one of this job's verify jobs dead-lettered it", rec(Failed, "job-2-0123456789abcdef", ""), CopyNone},
		{"a verify job of another job dead-lettered it", rec(Failed, "job-20-0123456789abcdef", ""), CopyFile},
		{"this job was copying it when it died", rec(Copying, job, ""), CopyFile},
		{"announced only", rec(Announced, "", ""), CopyFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CopyTaskOf(tt.rec, f, job); got != tt.want {
				t.Fatalf("CopyTaskOf = %v, want %v", got, tt.want)
			}
		})
	}
}

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
		{"announced fresh", rec(Announced, time.Minute), false, false},
		{"batched fresh", rec(Batched, time.Minute), false, false},
		{"copying fresh", rec(Copying, stale-time.Second), false, false},
		{"copied fresh", rec(Copied, 0), false, false},
		{"verifying at the limit", rec(Verifying, stale), false, false},
		{"announced stale", rec(Announced, stale+time.Second), false, true},
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
	// The announcements' stream made again a minute ago: a file still
	// announced before then lost its message; one announced since, or in a
	// job (whose message is on disk), or done, has not.
	lost := Policy{StaleAfter: stale, LostBefore: now.Add(-time.Minute)}
	for _, tt := range []struct {
		name string
		rec  *Record
		want bool
	}{
		{"announced before the stream", rec(Announced, 2*time.Minute), true},
		{"announced since", rec(Announced, 30*time.Second), false},
		{"batched before the stream", rec(Batched, 2*time.Minute), false},
		{"copied before the stream", rec(Copied, 2*time.Minute), false},
		{"moved before the stream", rec(Moved, 2*time.Minute), false},
	} {
		if got := ShouldAnnounce(tt.rec, f, now, lost); got != tt.want {
			t.Errorf("%s: ShouldAnnounce = %v, want %v", tt.name, got, tt.want)
		}
	}
}
