// Package fault holds the errors that decide what happens to a failed file:
// retry later, or straight to the dead letters with a reason. It is the one
// place that maps an error to that decision.
package fault

import (
	"context"
	"errors"
)

// Sentinel errors. Wrap them with %w; Classify finds them with errors.Is.
var (
	// ErrConflict: the destination holds a different file; never overwritten.
	ErrConflict = errors.New("conflict")
	// ErrMismatch: the bytes read back do not hash equal to the source.
	ErrMismatch = errors.New("mismatch")
	// ErrMissingHash: a hash needed for a decision could not be computed.
	ErrMissingHash = errors.New("missing hash")
	// ErrSourceChanged: the source is not the file that was announced or copied.
	ErrSourceChanged = errors.New("source changed")
	// ErrSourceMissing: the source vanished before it was copied or verified.
	ErrSourceMissing = errors.New("source missing")
	// ErrInvalid: a malformed or forged message, or a path that is not allowed
	// (absolute, "..", through a symlink, not a regular file, bad name).
	ErrInvalid = errors.New("invalid")
	// ErrNotFound: an object or file does not exist (retryable: it may be eventual).
	ErrNotFound = errors.New("not found")
	// ErrUnavailable: NATS did not answer (a node lost, a leader being
	// elected). Not the files' failure: their job waits for NATS without
	// spending an attempt.
	ErrUnavailable = errors.New("nats unavailable")
	// ErrOverlap: the copy and the source are the same storage or the same
	// object (a symlink, bind mount, alias remote, or a destination inside a
	// source). Deleting the source would delete the only copy.
	ErrOverlap = errors.New("overlap")
	// ErrInvalidContent: a route's validators found the file's content
	// broken (a truncated WARC, a wrong digest) and the route keeps such
	// files at the source (on_invalid: keep).
	ErrInvalidContent = errors.New("invalid content")
	// ErrSourceBusy: a process still has the source open for writing; it is
	// not closed yet, whatever its name says. Retryable.
	ErrSourceBusy = errors.New("source busy")
)

// Reasons, as they appear in dead letters, the ledger and metric labels.
const (
	ReasonConflict       = "conflict"
	ReasonMismatch       = "mismatch"
	ReasonMissingHash    = "missing_hash"
	ReasonSourceChanged  = "source_changed"
	ReasonSourceMissing  = "source_missing"
	ReasonInvalid        = "invalid"
	ReasonOverlap        = "overlap"
	ReasonSourceBusy     = "source_busy"
	ReasonInvalidContent = "invalid_content"
	ReasonMaxAttempts    = "max_attempts"
	ReasonError          = "error"
)

// Reasons are every reason a dead letter can carry: what Classify returns,
// and ReasonMaxAttempts for a retryable failure that ran out of attempts.
// Metrics create their series from this list; add a reason here, not there.
func Reasons() []string {
	return []string{ReasonConflict, ReasonMismatch, ReasonMissingHash, ReasonSourceChanged, ReasonSourceMissing,
		ReasonInvalid, ReasonOverlap, ReasonSourceBusy, ReasonInvalidContent, ReasonMaxAttempts, ReasonError}
}

// Classify says why err happened and whether trying again can help.
func Classify(err error) (reason string, retryable bool) {
	switch {
	case err == nil:
		return "", false
	case errors.Is(err, ErrConflict):
		return ReasonConflict, false
	case errors.Is(err, ErrMismatch):
		return ReasonMismatch, false
	case errors.Is(err, ErrMissingHash):
		return ReasonMissingHash, false
	case errors.Is(err, ErrSourceChanged):
		return ReasonSourceChanged, false
	case errors.Is(err, ErrSourceMissing):
		// Often a duplicate job's twin moved the file a moment ago: the
		// retry finds it done. Still gone after the retries: dead letter.
		return ReasonSourceMissing, true
	case errors.Is(err, ErrInvalid):
		return ReasonInvalid, false
	case errors.Is(err, ErrOverlap):
		return ReasonOverlap, false
	case errors.Is(err, ErrInvalidContent):
		// The same bytes fail the same way every time: an operator's problem.
		return ReasonInvalidContent, false
	case errors.Is(err, ErrSourceBusy):
		// A writer that has not finished: later it will have.
		return ReasonSourceBusy, true
	case errors.Is(err, context.Canceled):
		// Shutdown, not the file's failure: hand the job back untouched.
		return ReasonError, true
	default:
		return ReasonError, true
	}
}
