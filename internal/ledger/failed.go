package ledger

import (
	"context"
	"errors"
	"fmt"

	"github.com/ferrydata/ferry/internal/bus"
)

// Fail records dead-lettered files as failed, so the watcher leaves them to
// an operator instead of announcing them again at every rescan (and the
// dead letter with them). Route and host must be those the message's
// subject named: a body's claims never choose whose record fails.
func (l *Ledger) Fail(ctx context.Context, route, host, jobID string, attempts int, dead []bus.DeadFile) error {
	var errs []error
	for _, d := range dead {
		err := l.Set(ctx, route, host, d.File, Failed, func(r *Record) {
			r.JobID, r.Reason, r.LastError, r.Attempts = jobID, d.Reason, d.Error, attempts
			r.Checks = d.Checks // what the validators found, if they failed it; else none of an older try
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("couldn't record %s failed: %w", d.File.Path, err))
		}
	}
	return errors.Join(errs...)
}

// AlreadyFailed reports whether every file is recorded failed already, in
// this version and for the same reason: its dead letter is out, and another
// would only repeat it.
func (l *Ledger) AlreadyFailed(ctx context.Context, route, host string, dead []bus.DeadFile) (bool, error) {
	if len(dead) == 0 {
		return false, nil
	}
	for _, d := range dead {
		r, _, err := l.Get(ctx, route, host, d.File.Path)
		if errors.Is(err, ErrNoRecord) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if r.State != Failed || !r.Same(d.File) || r.Reason != d.Reason {
			return false, nil
		}
	}
	return true, nil
}
