package mover

import (
	"context"
	"errors"
	"fmt"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/worker"
)

// copyJob copies every file of a job not yet handed on, records each copy,
// then passes the copied files to the verifier.
func (m *Mover) copyJob(ctx context.Context, job bus.Job, progress *transfer.Progress) worker.Outcome {
	r := m.routes[job.Route]
	results := make([]fileResult, len(job.Files))
	worker.Each(len(job.Files), worker.FilesParallel, func(i int) {
		results[i] = m.copyOne(ctx, job, r, job.Files[i], progress)
	})
	var out worker.Outcome
	var copied []bus.File
	for i, res := range results {
		f := job.Files[i]
		switch {
		case res.skip:
		case res.err == nil:
			f.Hash = res.hash
			copied = append(copied, f)
		default:
			if reason, retry := fault.Classify(res.err); retry {
				out.Pending = append(out.Pending, f)
				out.Err = errors.Join(out.Err, res.err)
			} else {
				out.Dead = append(out.Dead, bus.DeadFile{File: f, Reason: reason, Error: res.err.Error()})
			}
		}
	}
	if len(copied) > 0 {
		next := bus.Job{ID: job.ID, Route: job.Route, Host: job.Host, Files: copied}
		if err := m.deps.Bus.PublishJob(ctx, bus.StageVerify, next); err != nil {
			if bus.Unavailable(err) {
				err = fmt.Errorf("%w: %w", fault.ErrUnavailable, err)
			}
			// The copies are recorded: the retry publishes them without copying again.
			return worker.Outcome{Dead: out.Dead, Pending: append(out.Pending, copied...), Err: errors.Join(out.Err, err)}
		}
	}
	return out
}

// fileResult is what happened to one file of a job.
type fileResult struct {
	skip bool   // nothing more to do for the mover
	hash string // of the source bytes, when copied
	err  error
}

// copyOne copies one file unless the ledger says it needs nothing more, and
// records the copy before the verify job can be published.
func (m *Mover) copyOne(ctx context.Context, job bus.Job, r *worker.OpenRoute, f bus.File, progress *transfer.Progress) fileResult {
	rec := m.record(ctx, job, f)
	switch {
	case rec != nil && rec.State == ledger.Copied && rec.JobID == job.ID && rec.Hash != "":
		// An earlier attempt copied it; its verify job may not be out yet.
		return fileResult{hash: rec.Hash}
	case handedOn(rec, job):
		return fileResult{skip: true}
	}
	sum, err := m.copyFile(ctx, job, r, f, progress)
	if err != nil {
		return fileResult{err: err}
	}
	f.Hash = sum.Hash
	m.set(ctx, job, f, ledger.Copied)
	m.deps.Log.Info("file copied", "route", job.Route, "path", f.Path, "bytes", sum.Size, string(r.Hash), sum.Hash)
	return fileResult{hash: sum.Hash}
}

// record returns the file's ledger record for this version, or nil.
func (m *Mover) record(ctx context.Context, job bus.Job, f bus.File) *ledger.Record {
	rec, _, err := m.deps.Ledger.Get(ctx, job.Route, job.Host, f.Path)
	if err != nil || !rec.Same(f) {
		return nil
	}
	return rec
}

// handedOn reports whether the file needs nothing more from the mover: it
// is done (a duplicate job finished it), or an earlier attempt of this job
// passed it on or dead-lettered it. The ledger is only a hint here: skipping
// never deletes, and a file whose verify job is lost is announced again by
// the watcher's rescan once its record is stale.
func handedOn(rec *ledger.Record, job bus.Job) bool {
	switch {
	case rec == nil:
		return false
	case rec.State == ledger.Moved || rec.State == ledger.Verified:
		return true
	case rec.JobID != job.ID:
		return false
	}
	return rec.State == ledger.Verifying || rec.State == ledger.Failed
}

// copyFile copies one file unless an identical copy is already there, and
// returns the hash of the source bytes it read.
func (m *Mover) copyFile(ctx context.Context, job bus.Job, r *worker.OpenRoute, f bus.File, progress *transfer.Progress) (transfer.Sum, error) {
	rd, info, err := r.Src.Open(ctx, f.Path)
	if err != nil {
		return transfer.Sum{}, fmt.Errorf("couldn't open source %s: %w", f.Path, err)
	}
	defer rd.Close()
	if info.Size != f.Size || info.ModTime.UnixNano() != f.ModTime {
		return transfer.Sum{}, fmt.Errorf("source %s is %d bytes at %s, announced %d at %s: %w",
			f.Path, info.Size, info.ModTime, f.Size, f.MTime(), fault.ErrSourceChanged)
	}
	if f.Ino != 0 && (info.Ino != f.Ino || info.CTime.UnixNano() != f.CTime) {
		return transfer.Sum{}, fmt.Errorf("source %s is inode %d, announced inode %d: another file took its name: %w",
			f.Path, info.Ino, f.Ino, fault.ErrSourceChanged)
	}
	if f.Size >= ledger.SlowFileSize {
		m.set(ctx, job, f, ledger.Copying)
	}
	// Put refuses to overwrite, so the common case costs no extra lookup.
	sum, err := r.Dst.Put(ctx, f.Path, rd, f.Size, f.MTime(), progress)
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
	err := m.deps.Ledger.Set(ctx, job.Route, job.Host, f, state, func(rec *ledger.Record) {
		rec.JobID, rec.HashType = job.ID, string(m.routes[job.Route].Hash)
	})
	if err != nil {
		m.deps.Log.Warn("couldn't update ledger", "path", f.Path, "state", state, "err", err)
	}
}
