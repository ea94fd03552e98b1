package verifier

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/parallel"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/worker"
)

// verifyJob verifies every file of a job that is not already done, then
// records the files that reached a state together in one ledger write.
func (v *Verifier) verifyJob(ctx context.Context, job bus.Job, progress *transfer.Progress) worker.Outcome {
	r := v.routes.Route(job.Route)
	states := make([]verified, len(job.Files))
	errs := make([]error, len(job.Files))
	rd := v.deps.Ledger.ReadAll(ctx, job.Route, job.Host, job.Files)
	parallel.Each(len(job.Files), r.FilesInFlight(), func(i int) {
		f := job.Files[i]
		if !v.shouldVerify(ctx, rd, job, f) {
			return
		}
		states[i], errs[i] = v.verifyFile(ctx, r, job, f, progress)
	})
	// Unrecorded, a file would stay in flight forever with its source gone:
	// a failed write retries it, and the retry finds the source deleted and
	// the copy good (see vanished). The write outlives the job's context: a
	// shutdown or a stall that cut another file short must not drop the
	// record of a source already deleted (a file stalling every attempt
	// would take it to the dead letters).
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	v.recordAll(rctx, job, states, errs)
	v.arrived(rctx, job, states, errs)
	var out worker.Outcome
	for i, err := range errs {
		if err == nil {
			continue
		}
		f := job.Files[i]
		reason, retry := fault.Classify(err)
		v.deps.Metrics.VerifyFailed(job.Route, err)
		if retry {
			out.Pending = append(out.Pending, f)
			out.Err = errors.Join(out.Err, err)
		} else {
			out.Dead = append(out.Dead, bus.DeadFile{File: f, Reason: reason, Error: err.Error(), Checks: ledger.InvalidChecks(err)})
		}
	}
	return out
}

// recordTimeout bounds a job's last ledger writes once its context ended
// (normally milliseconds; settle's own writes come after).
const recordTimeout = 5 * time.Second

// shouldVerify asks the ledger whether the file still needs verifying
// (ledger.ShouldVerify); a record it cannot read says yes.
func (v *Verifier) shouldVerify(ctx context.Context, rd *ledger.Read, job bus.Job, f bus.File) bool {
	rec, _, err := v.deps.Ledger.GetFrom(ctx, rd, job.Route, job.Host, f.Path)
	if err != nil {
		rec = nil
	}
	return ledger.ShouldVerify(rec, f, job.ID, v.routes.Route(job.Route).DeleteSource)
}

// verified is a file's new state, and its validators' verdict (nil: none).
type verified struct {
	state  ledger.State
	checks *ledger.Checks
}

// verifyFile verifies one file (verifyPresent) and handles a source that
// is gone, before or while it is verified (vanished).
func (v *Verifier) verifyFile(ctx context.Context, r *worker.OpenRoute, job bus.Job, f bus.File, progress *transfer.Progress) (verified, error) {
	if f.Size >= ledger.SlowFileSize {
		_ = v.record(ctx, job, f, ledger.Verifying) // a hint only: logged if it fails
	}
	before, err := r.Src.Stat(ctx, f.Path)
	if errors.Is(err, fault.ErrSourceMissing) {
		state, err := v.vanished(ctx, r, job, f, progress, err)
		return verified{state: state}, err
	}
	if err != nil {
		return verified{}, fmt.Errorf("couldn't stat source %s: %w", f.Path, err)
	}
	state, err := v.verifyPresent(ctx, r, job, f, before, progress)
	if errors.Is(err, fault.ErrSourceChanged) || errors.Is(err, fault.ErrSourceMissing) {
		// A duplicate job of this file may have deleted it while this one
		// hashed it (its rename changes the ctime of the open file, then
		// the path is gone): not the file's failure if the copy is good.
		if _, serr := r.Src.Stat(ctx, f.Path); errors.Is(serr, fault.ErrSourceMissing) {
			state, err := v.vanished(ctx, r, job, f, progress, err)
			return verified{state: state}, err
		}
	}
	return state, err
}

// verifyPresent reads the copy back and hashes the source at the same
// time, and deletes the source only if MayDelete says yes. before is the
// source's stat before both. It returns the file's new state.
func (v *Verifier) verifyPresent(ctx context.Context, r *worker.OpenRoute, job bus.Job, f bus.File, before transfer.FileInfo, progress *transfer.Progress) (verified, error) {
	m, err := measure(ctx, r, f.Path, progress)
	v.deps.Metrics.VerifyRead.WithLabelValues(job.Route).Add(float64(m.read.n))
	if m.dest.Size > 0 {
		v.deps.Metrics.BytesVerified.WithLabelValues(job.Route).Add(float64(m.dest.Size))
	}
	if err != nil {
		return verified{}, err
	}
	v.countChecks(job.Route, m.content)
	// After both reads: the source must not have changed while either ran.
	after, err := r.Src.Stat(ctx, f.Path)
	if err != nil {
		return verified{}, fmt.Errorf("couldn't stat source %s after hashing: %w", f.Path, err)
	}
	// That the copy read back is still there as it was is the delete's last
	// check (copyStays), with the source moved aside: a look here as well
	// would be one more request per file and no later than that one. A
	// route that keeps its sources runs no delete, so it looks here.
	if !r.DeleteSource {
		if err := copyUnchanged(ctx, r.Dst, f.Path, m.copied); err != nil {
			return verified{}, err
		}
	}
	ev := Evidence{Want: f, Type: r.Hash, Dest: m.dest, Source: m.source, Before: before, Hashed: m.hashed, After: after,
		Copy: m.copied, Validate: r.Validate, Content: m.content, FlagInvalid: r.FlagInvalid}
	if err := MayDelete(ev); err != nil {
		return verified{}, err
	}
	v.warnFlagged(worker.FileLog(ctx, v.deps.Log, f), m.content)
	state := ledger.Verified
	if r.DeleteSource {
		// The bytes read back may have come from the page cache: on disk
		// first, so a power cut after the delete cannot take both.
		if err := r.Dst.Durable(ctx, f.Path); err != nil {
			return verified{}, err
		}
		if err := r.Src.Remove(ctx, f.Path, m.hashed, copyStays(r.Dst, f.Path, m.copied)); err != nil {
			return verified{}, fmt.Errorf("couldn't delete verified source %s: %w", f.Path, err)
		}
		state = ledger.Moved
	}
	v.deps.Metrics.FilesMoved.WithLabelValues(job.Route).Inc()
	v.deps.Metrics.LastMoved.WithLabelValues(job.Route).Set(float64(time.Now().Unix()))
	worker.FileLog(ctx, v.deps.Log, f).Info("file verified", "bytes", m.dest.Size,
		string(r.Hash), m.dest.Hash, "source_deleted", r.DeleteSource)
	return verified{state: state, checks: ledger.ChecksOf(m.content)}, nil
}

// copyUnchanged fails unless the copy at rel is still the object read back
// (copied): another writer replaced it after verification.
func copyUnchanged(ctx context.Context, dst *transfer.Destination, rel string, copied transfer.FileInfo) error {
	now, err := dst.Identity(ctx, rel)
	if err != nil {
		return fmt.Errorf("couldn't look at the copy of %s again: %w", rel, err)
	}
	if !now.SameObject(copied) {
		return fmt.Errorf("%s: the copy changed after it was read back: %w", rel, fault.ErrConflict)
	}
	return nil
}

// copyHeadBytes is how much of the copy copyStays reads: enough to need
// the file, little enough to cost one small request.
const copyHeadBytes = 64 << 10

// copyStays is the delete's last check, run with a local source already
// moved aside to its private name: the copy read back must still be there,
// unchanged. A "copy" that vanishes or changes its status just then is the
// source itself seen through another path (a FUSE or overlay view, a link
// on a server) that every earlier check took for somewhere else.
func copyStays(dst *transfer.Destination, rel string, copied transfer.FileInfo) transfer.LastCheck {
	return func(ctx context.Context) error {
		found, err := dst.Lookup(ctx, rel)
		now := found.Info
		switch {
		case errors.Is(err, fault.ErrNotFound):
			return fmt.Errorf("the copy of %s vanished when the source was moved aside: it is the source itself: %w", rel, fault.ErrOverlap)
		case err != nil:
			return fmt.Errorf("couldn't look at the copy of %s once more: %w", rel, err)
		case now.SameObject(copied):
			// A HEAD or an open may be answered from a cache; bytes are not.
			// The object just looked up is read, not looked up again.
			if err := found.ReadHead(ctx, copyHeadBytes); err != nil {
				if errors.Is(err, fault.ErrNotFound) {
					return fmt.Errorf("the copy of %s vanished when the source was moved aside: it is the source itself: %w", rel, fault.ErrOverlap)
				}
				return fmt.Errorf("couldn't read the copy of %s with the source moved aside (is the destination a view of the source?): %w", rel, err)
			}
			return nil
		case now.Size == copied.Size && now.ModTime.Equal(copied.ModTime) && now.Ino == copied.Ino && now.Dev == copied.Dev:
			return fmt.Errorf("the copy of %s changed status when the source was moved aside: it is the source itself: %w", rel, fault.ErrOverlap)
		}
		return fmt.Errorf("the copy of %s changed after it was read back: %w", rel, fault.ErrConflict)
	}
}

// hashSource hashes the source as it is now. hashed is the identity of
// the file actually read (the fstat of the opened descriptor): the delete
// is bound to it.
func hashSource(ctx context.Context, src transfer.Source, rel string, t transfer.HashType, progress *transfer.Progress) (sum transfer.Sum, hashed transfer.FileInfo, err error) {
	rd, hashed, err := src.Open(ctx, rel)
	if err != nil {
		return sum, hashed, fmt.Errorf("couldn't open source %s: %w", rel, err)
	}
	defer rd.Close()
	sum, err = transfer.HashReader(ctxReader{ctx, rd}, t, progress)
	if err != nil {
		return sum, hashed, fmt.Errorf("couldn't hash source %s: %w", rel, err)
	}
	return sum, hashed, nil
}

// vanished handles a source that is gone: most likely this verifier deleted
// it and died before recording it. If the copy reads back as the bytes the
// mover read, the file is moved; otherwise it is an operator's problem.
// Nothing is deleted here either way. A duplicate job that comes after the
// moved record left the bucket (ledger.MovedHold) finds it in the archive,
// as it found it in the bucket before: moved, with no read-back.
func (v *Verifier) vanished(ctx context.Context, r *worker.OpenRoute, job bus.Job, f bus.File, progress *transfer.Progress, cause error) (ledger.State, error) {
	if r.DeleteSource && v.deps.Ledger.WasMoved(ctx, job.Route, job.Host, f) {
		return ledger.Moved, nil
	}
	var read byteCount
	dest, _, err := r.Dst.ReadBackTo(ctx, f.Path, progress, &read)
	v.deps.Metrics.VerifyRead.WithLabelValues(r.Name).Add(float64(read.n))
	if err == nil && f.Hash != "" && dest.Type == r.Hash && dest.Size == f.Size && dest.Hash == f.Hash && r.DeleteSource {
		return ledger.Moved, nil
	}
	return "", fmt.Errorf("source %s vanished before verification: %w", f.Path, cause)
}
