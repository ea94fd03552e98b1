package ledger

import (
	"time"
	"unicode/utf8"

	"github.com/ferrydata/ferry/internal/bus"
)

// SlowFileSize is the size from which the ledger also records the states a
// file passes quickly (batched, copying, verifying). Each record is a
// durable write; for small files they would cost more than the copy, and the
// states that decide anything (closed, copied, moved, failed) are always kept.
const SlowFileSize = 64 << 20

// Record is one file's entry.
type Record struct {
	Route     string    `json:"route"`
	Host      string    `json:"host"`
	Path      string    `json:"path"`
	Size      int64     `json:"size"`
	ModTime   int64     `json:"mtime_ns"`
	Ino       uint64    `json:"ino,omitempty"`
	CTime     int64     `json:"ctime_ns,omitempty"`
	State     State     `json:"state"`
	JobID     string    `json:"job_id,omitempty"`
	Hash      string    `json:"hash,omitempty"`
	HashType  string    `json:"hash_type,omitempty"`
	Attempts  int       `json:"attempts,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	LastError string    `json:"last_error,omitempty"`
	Checks    *Checks   `json:"checks,omitempty"` // content validators on the copy read back
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
	// Trail is the file's history, oldest first: each write of the record
	// appends a step, so history costs no write of its own (the bucket keeps
	// one revision). Bounded: the last TrailSteps steps, errors cut to
	// TrailErrorBytes. Records written before it have none.
	Trail []Step `json:"trail,omitempty"`
}

// Step is one state a file's record reached.
type Step struct {
	State   State     `json:"state"`
	At      time.Time `json:"at"`
	Job     string    `json:"job,omitempty"`
	Attempt int       `json:"attempt,omitempty"`
	Reason  string    `json:"reason,omitempty"` // failed steps only
	Error   string    `json:"error,omitempty"`  // failed steps only
}

// Bounds of a record's trail, so that a file failing and replayed again
// and again keeps a record of bounded size (under 5 KB).
const (
	TrailSteps      = 16
	TrailErrorBytes = 160
)

// step appends the record's state now to its trail, dropping the oldest
// steps beyond TrailSteps.
func (r *Record) step() {
	s := Step{State: r.State, At: r.Updated, Job: r.JobID, Attempt: r.Attempts}
	if r.State == Failed {
		s.Reason, s.Error = r.Reason, cut(r.LastError, TrailErrorBytes)
	}
	r.Trail = append(r.Trail, s)
	if n := len(r.Trail) - TrailSteps; n > 0 {
		r.Trail = append([]Step(nil), r.Trail[n:]...)
	}
}

// cut shortens s to at most n bytes, on a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// Same reports whether the record describes this version of the file. Size
// and mtime alone cannot tell a file from a different one renamed over it
// with the same size and mtime (a copy with -p, a restored backup), so the
// inode and status-change time count too where both sides know them (local
// sources): a rename or a new file gives a new ctime, even on a reused inode.
func (r *Record) Same(f bus.File) bool {
	return r.Size == f.Size && r.ModTime == f.ModTime &&
		sameIfKnown(r.Ino, f.Ino) && sameIfKnown(r.CTime, f.CTime)
}

func sameIfKnown[T comparable](a, b T) bool {
	var unknown T
	return a == unknown || b == unknown || a == b
}

// version copies f's identity into a fresh record.
func (r *Record) version(f bus.File) {
	r.Path, r.Size, r.ModTime, r.Ino, r.CTime = f.Path, f.Size, f.ModTime, f.Ino, f.CTime
}

// Settled reports whether nothing more will happen to this version of the
// file without an operator: it is done, or the file (in any version) waits
// in the dead letters, which the watcher never announces again.
func (r *Record) Settled(f bus.File) bool {
	return r.State == Failed || (r.Same(f) && r.State.Done())
}
