package verifier

import (
	"context"
	"fmt"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/worker"
)

// recordAll writes the new state of every file verified (states[i] set,
// errs[i] nil), with its validators' verdict, one SetAll per state; a
// failed write becomes errs[i].
func (v *Verifier) recordAll(ctx context.Context, job bus.Job, states []verified, errs []error) {
	for _, state := range []ledger.State{ledger.Moved, ledger.Verified} {
		var files []bus.File
		var idx []int
		checks := map[string]*ledger.Checks{}
		for i, s := range states {
			if s.state == state && errs[i] == nil {
				files, idx = append(files, job.Files[i]), append(idx, i)
				checks[job.Files[i].Path] = s.checks
			}
		}
		if len(files) == 0 {
			continue
		}
		werrs := v.deps.Ledger.SetAll(ctx, job.Route, job.Host, files, state, v.editChecks(job, checks))
		for k, err := range werrs {
			if err != nil {
				errs[idx[k]] = v.recordErr(ctx, files[k], state, err)
			}
		}
	}
}

// record writes the file's new state; a failure is logged and returned.
func (v *Verifier) record(ctx context.Context, job bus.Job, f bus.File, state ledger.State) error {
	if err := v.deps.Ledger.Set(ctx, job.Route, job.Host, f, state, v.edit(job)); err != nil {
		return v.recordErr(ctx, f, state, err)
	}
	return nil
}

// edit adds what the verifier knows to a file's record.
func (v *Verifier) edit(job bus.Job) func(*ledger.Record) {
	return func(rec *ledger.Record) {
		rec.JobID, rec.HashType = job.ID, string(v.routes.Route(job.Route).Hash)
	}
}

// recordErr logs a failed ledger write and returns it as the file's error.
func (v *Verifier) recordErr(ctx context.Context, f bus.File, state ledger.State, err error) error {
	worker.FileLog(ctx, v.deps.Log, f).Warn("couldn't update ledger", "state", state, "err", err)
	if bus.Unavailable(err) {
		err = fmt.Errorf("%w: %w", fault.ErrUnavailable, err)
	}
	return fmt.Errorf("couldn't record %s as %s: %w", f.Path, state, err)
}

// editChecks is edit that also sets each file's validators' verdict
// (clearing one an earlier version of the file left).
func (v *Verifier) editChecks(job bus.Job, checks map[string]*ledger.Checks) func(*ledger.Record) {
	edit := v.edit(job)
	return func(rec *ledger.Record) {
		edit(rec)
		rec.Checks = checks[rec.Path]
	}
}
