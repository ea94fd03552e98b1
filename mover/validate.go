package mover

import (
	"context"
	"fmt"
	"io"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/validate"
	"github.com/ferrydata/ferry/internal/worker"
)

// validateSource runs the route's validators on the source before its
// upload (validate_before_copy), so that under on_invalid keep a broken
// file is never uploaded. It reads the source once more, in a read of its
// own: the upload's read cannot wait for a verdict that comes only at the
// file's end. Nothing is deleted on its word: the verifier validates the
// copy again. An error wrapping *validate.Invalid is the file's fault
// (invalid_content); any other is the read's, and retried.
func validateSource(ctx context.Context, r *worker.OpenRoute, f bus.File, progress *transfer.Progress) error {
	if !r.ValidateBeforeCopy || r.FlagInvalid || len(r.Validate) == 0 {
		return nil // under flag the file is uploaded all the same
	}
	vs, err := validate.New(r.Validate, r.SpillDir)
	if err != nil {
		return fmt.Errorf("route %s: %w", r.Name, err)
	}
	rd, info, err := r.Src.Open(ctx, f.Path)
	if err != nil {
		return fmt.Errorf("couldn't open source %s to validate it: %w", f.Path, err)
	}
	defer rd.Close()
	if err := sameSource(f, info); err != nil {
		return err
	}
	run := validate.Start(vs)
	// Hashed only for HashReaderTo's pooled buffer and progress (a long
	// validation heartbeats like a long upload).
	sum, err := transfer.HashReaderTo(ctxReader{ctx, rd}, r.Hash, progress, run)
	res := run.Close(err)
	if err != nil {
		return fmt.Errorf("couldn't read source %s to validate it: %w", f.Path, err)
	}
	// Checked before the verdict: a file cut short or rewritten while it
	// was read is another file, not a broken one (source_changed).
	if err := unchangedWhileRead(ctx, r, f.Path, info, sum.Size); err != nil {
		return err
	}
	if !res.Valid() {
		return fmt.Errorf("%s: the source's content is broken, not uploaded, the source is kept: %w: %w",
			f.Path, &validate.Invalid{Result: res}, fault.ErrInvalidContent)
	}
	return nil
}

// unchangedWhileRead checks that the source validated is the file opened:
// read to its end (read bytes) and, stat'ed again, the same object.
func unchangedWhileRead(ctx context.Context, r *worker.OpenRoute, rel string, opened transfer.FileInfo, read int64) error {
	now, err := r.Src.Stat(ctx, rel)
	if err != nil {
		return fmt.Errorf("couldn't stat source %s after validating it: %w", rel, err)
	}
	if read != opened.Size || !now.SameObject(opened) {
		return fmt.Errorf("source %s changed while it was validated (opened at %d bytes, read %d, now %d): %w",
			rel, opened.Size, read, now.Size, fault.ErrSourceChanged)
	}
	return nil
}

// ctxReader ends a read of a local file (which no context stops) once ctx
// is done, so a long validation ends within the shutdown grace.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
