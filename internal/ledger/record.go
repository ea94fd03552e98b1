package ledger

import (
	"time"

	"github.com/ferrydata/ferry/internal/bus"
)

// State is where a file is in the pipeline.
type State string

// The states of a file, in order. Moved and Verified are final; Failed waits
// for an operator.
const (
	Closed    State = "closed"
	Batched   State = "batched"
	Copying   State = "copying"
	Copied    State = "copied"
	Verifying State = "verifying"
	Moved     State = "moved"    // verified, source deleted
	Verified  State = "verified" // verified, source kept (delete_source: false)
	Failed    State = "failed"   // dead-lettered
)

// SlowFileSize is the size from which the ledger also records the states a
// file passes quickly (batched, copying, verifying). Each record is a
// durable write; for small files they would cost more than the copy, and the
// states that decide anything (closed, copied, moved, failed) are always kept.
const SlowFileSize = 64 << 20

// Done reports whether nothing more will happen to the file without an operator.
func (s State) Done() bool { return s == Moved || s == Verified || s == Failed }

// Record is one file's entry.
type Record struct {
	Route     string    `json:"route"`
	Host      string    `json:"host"`
	Path      string    `json:"path"`
	Size      int64     `json:"size"`
	ModTime   int64     `json:"mtime_ns"`
	State     State     `json:"state"`
	JobID     string    `json:"job_id,omitempty"`
	Hash      string    `json:"hash,omitempty"`
	HashType  string    `json:"hash_type,omitempty"`
	Attempts  int       `json:"attempts,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	LastError string    `json:"last_error,omitempty"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
}

// Same reports whether the record describes this version of the file.
func (r *Record) Same(f bus.File) bool { return r.Size == f.Size && r.ModTime == f.ModTime }

// Settled reports whether nothing more will happen to this version of the
// file without an operator: it is done, or the file (in any version) waits
// in the dead letters, which the watcher never announces again.
func (r *Record) Settled(f bus.File) bool {
	return r.State == Failed || (r.Same(f) && r.State.Done())
}

// ShouldAnnounce decides whether the watcher announces a closed file it sees
// on disk, given the file's record (nil when there is none).
func ShouldAnnounce(r *Record, f bus.File, now time.Time, staleAfter time.Duration) bool {
	switch {
	case r == nil:
		return true
	case r.State == Failed:
		return false // dead-lettered: left alone until an operator replays it
	case !r.Same(f):
		return true // a new file under an old name; the mover decides if it conflicts
	case r.State.Done():
		return false // already verified (a kept source stays where it is)
	default:
		return now.Sub(r.Updated) > staleAfter // in flight, unless its job was lost
	}
}
