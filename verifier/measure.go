package verifier

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/validate"
	"github.com/ferrydata/ferry/internal/worker"
)

// measured is what the two reads of one verification found.
type measured struct {
	dest   transfer.Sum      // of the copy's bytes read back
	copied transfer.FileInfo // identity of the object read back
	source transfer.Sum      // of the source's bytes read now
	hashed transfer.FileInfo // identity of the source descriptor hashed
	// content is the route's validators' verdict on the bytes read back
	// (nil: the route names none).
	content *validate.Result
	read    byteCount // bytes the read-back took, whether it succeeded or not
}

// measure reads the copy back and hashes the source at the same time, so a
// full-duplex link downloads while the source disk reads. It returns only
// when both reads have ended: nothing after it runs beside a read. Both
// must succeed; the first to fail cancels the other, and its error is the
// one returned. Running them together adds no evidence and removes none:
// the caller stats the source before and after both.
func measure(ctx context.Context, r *worker.OpenRoute, rel string, progress *transfer.Progress) (measured, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var m measured
	var readErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		m.dest, m.copied, m.content, readErr = readBack(ctx, r, rel, progress, &m.read)
		if readErr != nil {
			readErr = fmt.Errorf("couldn't read back %s: %w", rel, readErr)
			cancel(readErr)
		}
	}()
	var hashErr error
	m.source, m.hashed, hashErr = hashSource(ctx, r.Src, rel, r.Hash, progress)
	if hashErr != nil {
		cancel(hashErr)
	}
	wg.Wait()
	if readErr != nil || hashErr != nil {
		return m, context.Cause(ctx) // the first failure; the other read was only cut short
	}
	return m, nil
}

// ctxReader ends a read once ctx is done: a local file's reads do not
// watch it, and a failed read-back or a shutdown must not wait for the
// hash of a large source to run to its end.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(b)
}
