package mover

import (
	"context"
	"errors"
	"fmt"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/parallel"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/worker"
)

// copyJob copies every file of a job not yet handed on, and hands each on
// to the verifier as soon as it is copied (see handoff). The job ends when
// every file is handed on or has failed: the delivery is acked only then.
func (m *Mover) copyJob(ctx context.Context, job bus.Job, progress *transfer.Progress) worker.Outcome {
	r := m.routes.Route(job.Route)
	h := newHandoff(ctx, m, job)
	errs := make([]error, len(job.Files))
	rd := m.deps.Ledger.ReadAll(ctx, job.Route, job.Host, job.Files)
	parallel.Each(len(job.Files), r.FilesInFlight(), func(i int) {
		f := job.Files[i]
		res := m.copyOne(ctx, rd, job, r, f, progress)
		switch {
		case res.err != nil:
			errs[i] = res.err
		case !res.skip:
			f.Hash = res.hash
			h.add(copied{file: f, record: res.record})
		}
	})
	// Retried, the job republishes what is recorded copied and copies the
	// rest again (see copyOne).
	unsent, sendErr := h.wait()
	out := worker.Outcome{Pending: unsent, Err: sendErr}
	for i, err := range errs {
		if err == nil {
			continue
		}
		f := job.Files[i]
		if reason, retry := fault.Classify(err); retry {
			out.Pending = append(out.Pending, f)
			out.Err = errors.Join(out.Err, err)
		} else {
			out.Dead = append(out.Dead, bus.DeadFile{File: f, Reason: reason, Error: err.Error(), Checks: ledger.InvalidChecks(err)})
		}
	}
	return out
}

// fileResult is what happened to one file of a job.
type fileResult struct {
	skip   bool   // nothing more to do for the mover
	hash   string // of the source bytes, when copied
	record bool   // copied just now and large: to be recorded Copied
	err    error
}

// copyOne copies one file unless the ledger says it needs nothing more.
//
// Only a large file's copy is recorded (Copied, with the job's id and the
// hash), so that a retried job hands it on without copying it again. A
// small file's copy is not: each record is a durable write, and a retry
// copies it again, which is cheap: Put refuses to overwrite, and
// compareExisting finds the identical copy and hashes both sides afresh.
// No record decides a delete (the verifier hashes both sides itself), and
// a file with no Copied record is one the mover simply copies again.
func (m *Mover) copyOne(ctx context.Context, rd *ledger.Read, job bus.Job, r *worker.OpenRoute, f bus.File, progress *transfer.Progress) fileResult {
	rec, _, err := m.deps.Ledger.GetFrom(ctx, rd, job.Route, job.Host, f.Path)
	if err != nil {
		rec = nil // unknown: copy again
	}
	switch ledger.CopyTaskOf(rec, f, job.ID) {
	case ledger.CopyHandOn:
		return fileResult{hash: rec.Hash}
	case ledger.CopyNone:
		return fileResult{skip: true}
	}
	sum, err := m.copyFile(ctx, job, r, f, progress)
	if err != nil {
		if errors.Is(err, fault.ErrSourceMissing) && m.doneMeanwhile(ctx, job, f) {
			return fileResult{skip: true}
		}
		return fileResult{err: err}
	}
	worker.FileLog(ctx, m.deps.Log, f).Info("file copied", "bytes", sum.Size, string(r.Hash), sum.Hash)
	return fileResult{hash: sum.Hash, record: f.Size >= ledger.SlowFileSize}
}

// doneMeanwhile reports whether the ledger, read again, says the mover owes
// nothing more to a file whose source went missing during its copy: a
// duplicate job moved it meanwhile (its verifier deleted the source after
// this job read the record), so it is done, not a fault. Duplicate jobs of
// a file are normal after a crash (a redelivered job beside the one its
// redelivered announcement made). A duplicate that ran late may find the
// moved record gone from the bucket (ledger.MovedHold), or replaced there by
// the record of a stale announcement: the archive still says moved.
func (m *Mover) doneMeanwhile(ctx context.Context, job bus.Job, f bus.File) bool {
	rec, _, err := m.deps.Ledger.Get(ctx, job.Route, job.Host, f.Path)
	if err == nil && ledger.CopyTaskOf(rec, f, job.ID) == ledger.CopyNone {
		return true
	}
	return (err == nil || errors.Is(err, ledger.ErrNoRecord)) && m.deps.Ledger.WasMoved(ctx, job.Route, job.Host, f)
}

// copyFile copies one file unless an identical copy is already there, and
// returns the hash of the source bytes it read.
func (m *Mover) copyFile(ctx context.Context, job bus.Job, r *worker.OpenRoute, f bus.File, progress *transfer.Progress) (transfer.Sum, error) {
	rd, info, err := r.Src.Open(ctx, f.Path)
	if err != nil {
		return transfer.Sum{}, fmt.Errorf("couldn't open source %s: %w", f.Path, err)
	}
	defer rd.Close()
	if err := sameSource(f, info); err != nil {
		return transfer.Sum{}, err
	}
	// Before the upload window: a validation holds back no other upload.
	if err := validateSource(ctx, r, f, progress); err != nil {
		return transfer.Sum{}, err
	}
	release, err := m.windows[job.Route].acquire(ctx, f.Size, progress)
	if err != nil {
		return transfer.Sum{}, fmt.Errorf("couldn't copy %s: %w", f.Path, err)
	}
	defer release()
	if f.Size >= ledger.SlowFileSize {
		m.set(ctx, job, f, ledger.Copying)
	}
	// Put refuses to overwrite, so the common case costs no extra lookup.
	sum, err := r.Dst.Put(ctx, f.Path, releaseOnceRead(rd, f.Size, release), f.Size, f.MTime(), progress)
	if errors.Is(err, fault.ErrConflict) {
		size, exists, serr := r.Dst.Stat(ctx, f.Path)
		if serr == nil && exists {
			return m.compareExisting(ctx, r, f, size, progress)
		}
	}
	if err != nil {
		return transfer.Sum{}, fmt.Errorf("couldn't copy %s: %w", f.Path, err)
	}
	m.deps.Metrics.FilesCopied.WithLabelValues(job.Route).Inc()
	m.deps.Metrics.BytesCopied.WithLabelValues(job.Route).Add(float64(sum.Size))
	return sum, nil
}

// sameSource checks that the source opened is the file announced.
func sameSource(f bus.File, info transfer.FileInfo) error {
	if info.Size != f.Size || info.ModTime.UnixNano() != f.ModTime {
		return fmt.Errorf("source %s is %d bytes at %s, announced %d at %s: %w",
			f.Path, info.Size, info.ModTime, f.Size, f.MTime(), fault.ErrSourceChanged)
	}
	if f.Ino != 0 && (info.Ino != f.Ino || info.CTime.UnixNano() != f.CTime) {
		return fmt.Errorf("source %s is inode %d, announced inode %d: another file took its name: %w",
			f.Path, info.Ino, f.Ino, fault.ErrSourceChanged)
	}
	return nil
}

// compareExisting decides whether a file already at the destination is this
// one, by size and by hashing both sides' bytes: never by size and mtime.
func (m *Mover) compareExisting(ctx context.Context, r *worker.OpenRoute, f bus.File, dstSize int64, progress *transfer.Progress) (transfer.Sum, error) {
	if dstSize != f.Size {
		return transfer.Sum{}, fmt.Errorf("destination %s exists with %d bytes, source has %d: %w",
			f.Path, dstSize, f.Size, fault.ErrConflict)
	}
	rd, _, err := r.Src.Open(ctx, f.Path)
	if err != nil {
		return transfer.Sum{}, fmt.Errorf("couldn't open source %s: %w", f.Path, err)
	}
	defer rd.Close()
	src, err := transfer.HashReader(rd, r.Hash, progress)
	if err != nil {
		return transfer.Sum{}, fmt.Errorf("couldn't hash source %s: %w", f.Path, err)
	}
	dst, _, err := r.Dst.ReadBack(ctx, f.Path, progress)
	if err != nil {
		return transfer.Sum{}, fmt.Errorf("couldn't read back existing %s: %w", f.Path, err)
	}
	if src.Size != dst.Size || src.Hash != dst.Hash || src.Hash == "" {
		return transfer.Sum{}, fmt.Errorf("destination %s exists with different content (%s %s, source %s %s): %w",
			f.Path, dst.Type, dst.Hash, src.Type, src.Hash, fault.ErrConflict)
	}
	return src, nil
}

func (m *Mover) set(ctx context.Context, job bus.Job, f bus.File, state ledger.State) {
	if err := m.deps.Ledger.Set(ctx, job.Route, job.Host, f, state, m.edit(job)); err != nil {
		worker.FileLog(ctx, m.deps.Log, f).Warn("couldn't update ledger", "state", state, "err", err)
	}
}

// edit adds what the mover knows to a file's record.
func (m *Mover) edit(job bus.Job) func(*ledger.Record) {
	return func(rec *ledger.Record) {
		rec.JobID, rec.HashType = job.ID, string(m.routes.Route(job.Route).Hash)
	}
}
