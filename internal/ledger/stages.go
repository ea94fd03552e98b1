package ledger

import (
	"time"

	"github.com/ferrydata/ferry/internal/bus"
)

// What each stage does with a file, by its ledger record: pure functions,
// one per stage, pinned together by TestStageTable. The record is only a
// hint to all of them: a wrong "done" skips work the watcher's rescan
// brings back once the record is stale, a wrong "not done" redoes work,
// which is safe; no record ever decides a delete.

// Policy is what a route says about files the ledger already knows.
type Policy struct {
	// StaleAfter: a file in flight for longer has lost its job; announce it again.
	StaleAfter time.Duration
	// DeletesSource: the route deletes verified sources now. A file verified
	// while it kept them (delete_source: false) is announced again, so it is
	// verified afresh and deleted: the old verification is not evidence.
	DeletesSource bool
	// LostBefore: a record still "closed" (announced, not yet in a job)
	// and last written before this lost its message: the announcements'
	// stream was made again since (kept in memory, it does not outlive its
	// server), so it is announced again at once, busy queues or not.
	LostBefore time.Time
}

// ShouldAnnounce decides whether the watcher announces a closed file it sees
// on disk, given the file's record (nil when there is none).
func ShouldAnnounce(r *Record, f bus.File, now time.Time, p Policy) bool {
	switch {
	case r == nil:
		return true
	case r.State == Failed:
		return false // dead-lettered: left alone until an operator replays it
	case r.State == Replayed:
		return true
	case !r.Same(f):
		return true // a new file under an old name; the mover decides if it conflicts
	case r.State == Verified:
		return p.DeletesSource // kept by an older config, or still to be kept
	case r.State.Done():
		return false // moved: the source was deleted, so this is a stale listing
	case r.State == Announced && r.Updated.Before(p.LostBefore):
		return true
	default:
		return now.Sub(r.Updated) > p.StaleAfter // in flight, unless its job was lost
	}
}

// CopyTask is what the mover still owes one file of a copy job.
type CopyTask int

// The mover's tasks.
const (
	CopyFile   CopyTask = iota // copy it (again)
	CopyHandOn                 // an earlier attempt of this job copied it: hand it on with the recorded hash
	CopyNone                   // nothing: done, or handed on or dead-lettered by this job
)

// CopyTaskOf says what the mover owes file f of copy job jobID, given its
// record (nil when there is none). Nothing is owed to a file that is done (a
// duplicate job finished it), or that an earlier attempt of this job or one
// of its verify jobs (bus.OfJob) passed on or dead-lettered. A file copied
// by another job is copied again: that job's verify job may be lost.
func CopyTaskOf(r *Record, f bus.File, jobID string) CopyTask {
	switch {
	case r == nil || !r.Same(f):
		return CopyFile
	case r.State == Copied && r.JobID == jobID && r.Hash != "":
		return CopyHandOn // its verify job may not be out yet
	case r.State == Moved || r.State == Verified:
		return CopyNone
	case bus.OfJob(r.JobID, jobID) && (r.State == Verifying || r.State == Failed):
		return CopyNone
	}
	return CopyFile
}

// ShouldVerify says whether the verifier verifies file f of verify job
// jobID, given its record (nil when there is none): not when it is moved
// (a duplicate job), or was dead-lettered by an earlier attempt of this
// job. A file verified while its route kept sources is verified again once
// the route deletes them (deletesSource): that old verification is no
// evidence now.
func ShouldVerify(r *Record, f bus.File, jobID string, deletesSource bool) bool {
	switch {
	case r == nil || !r.Same(f):
		return true
	case r.State == Moved:
		return false
	case r.State == Verified:
		return deletesSource
	case r.State == Failed:
		return r.JobID != jobID
	}
	return true
}
