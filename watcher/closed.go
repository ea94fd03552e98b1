package watcher

import (
	"io/fs"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/relpath"
)

// Candidate is what the watcher knows of one directory entry: its name and
// its lstat result, never its contents.
type Candidate struct {
	Rel     string      // slash-separated, relative to the route's source
	Mode    fs.FileMode // from lstat: a symlink is a symlink, not its target
	Size    int64
	ModTime time.Time
	Ino     uint64    // local files; 0 when unknown
	CTime   time.Time // local files; zero when unknown
}

// File is the candidate as announced on the bus.
func (c Candidate) File() bus.File {
	f := bus.File{Path: c.Rel, Size: c.Size, ModTime: c.ModTime.UnixNano(), Ino: c.Ino}
	if !c.CTime.IsZero() {
		f.CTime = c.CTime.UnixNano()
	}
	return f
}

// Verdict is what the watcher does with a candidate.
type Verdict int

// The verdicts, from "not ours" to "announce".
const (
	Ignore Verdict = iota // the name does not match the rules: not ferry's business
	Skip                  // ours by name but refused (Decision.Reason says why): warn once
	Young                 // ours but modified less than min_age ago: look again after Decision.Wait
	Ready                 // closed (complete): announce it
)

// Reasons a matching file is skipped, as FilesSkipped labels.
const (
	ReasonInvalidName = "invalid_name" // relpath.Check refuses it
	ReasonSymlink     = "symlink"      // never followed: it could point anywhere
	ReasonNotRegular  = "not_regular"  // FIFO, device, socket: reading could block or lie
)

// Decision is the outcome of Decide.
type Decision struct {
	Verdict Verdict
	Reason  string        // for Skip
	Wait    time.Duration // for Young: how long until the file is old enough
}

// Decide says whether a candidate is a closed file, without any I/O.
// A file is closed when its name matches the rules, relpath.Check accepts
// it, it is a regular file, and it was last modified at least minAge before
// now. A minAge of 0 trusts the names alone, even with an mtime in the future.
func (r *Rules) Decide(c Candidate, now time.Time, minAge time.Duration) Decision {
	if !r.Match(c.Rel) {
		return Decision{Verdict: Ignore}
	}
	if err := relpath.Check(c.Rel); err != nil {
		return Decision{Verdict: Skip, Reason: ReasonInvalidName}
	}
	switch {
	case c.Mode&fs.ModeSymlink != 0:
		return Decision{Verdict: Skip, Reason: ReasonSymlink}
	case c.Mode.IsDir():
		return Decision{Verdict: Ignore} // walked into, not moved
	case !c.Mode.IsRegular():
		return Decision{Verdict: Skip, Reason: ReasonNotRegular}
	}
	if age := now.Sub(c.ModTime); minAge > 0 && age < minAge {
		return Decision{Verdict: Young, Wait: minAge - age}
	}
	return Decision{Verdict: Ready}
}
