package verifier

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/validate"
	"github.com/ferrydata/ferry/internal/worker"
)

// readBack reads the copy back once; the route's validators read the same
// bytes through a tee as they are hashed (no second download). content is
// nil when the route names none. read counts every byte the read took, so
// that ferry_verify_read_bytes_total shows one read per file. A read that
// fails is the read's failure (retried), whatever the validators saw.
func readBack(ctx context.Context, r *worker.OpenRoute, rel string, progress *transfer.Progress, read *byteCount) (sum transfer.Sum, id transfer.FileInfo, content *validate.Result, err error) {
	if len(r.Validate) == 0 {
		sum, id, err = r.Dst.ReadBackTo(ctx, rel, progress, read)
		return sum, id, nil, err
	}
	vs, err := validate.New(r.Validate, r.SpillDir)
	if err != nil {
		return sum, id, nil, fmt.Errorf("route %s: %w", r.Name, err)
	}
	run := validate.Start(vs)
	sum, id, err = r.Dst.ReadBackTo(ctx, rel, progress, io.MultiWriter(read, run))
	res := run.Close(err)
	return sum, id, &res, err
}

// byteCount counts the bytes written to it.
type byteCount struct{ n int64 }

func (c *byteCount) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// contentRule is MayDelete's rule on content: a route that names
// validators needs their verdict on these bytes, and under on_invalid keep
// a broken file is kept.
func contentRule(e Evidence) error {
	if len(e.Validate) == 0 {
		return nil
	}
	if e.Content == nil || !slices.Equal(e.Content.Ran, e.Validate) || len(e.Content.Findings) != len(e.Validate) {
		// Not the file's fault, and no pass either: verify again.
		return fmt.Errorf("%s: validators %v did not all run", e.Want.Path, e.Validate)
	}
	if !e.Content.Valid() && !e.FlagInvalid {
		return fmt.Errorf("%s: the copy's content is broken, the source is kept: %w: %w",
			e.Want.Path, &validate.Invalid{Result: *e.Content}, fault.ErrInvalidContent)
	}
	return nil
}

// countChecks counts each validator's outcome on one file.
func (v *Verifier) countChecks(route string, res *validate.Result) {
	if res == nil {
		return
	}
	for i, name := range res.Ran {
		outcome := "valid"
		if res.Findings[i] != nil {
			outcome = "invalid"
		}
		v.deps.Metrics.Validations.WithLabelValues(route, name, outcome).Inc()
	}
}

// warnFlagged logs a broken file that moves all the same (on_invalid flag).
func (v *Verifier) warnFlagged(log *slog.Logger, res *validate.Result) {
	if res != nil && !res.Valid() && res.First != nil {
		log.Warn("file content is broken; moved as on_invalid: flag says",
			"validator", res.First.Validator, "offset", res.First.Offset, "err", res.First.Err)
	}
}
