package mover

import (
	"context"
	"io"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/ferrydata/ferry/internal/transfer"
)

// uploadWindow bounds the bytes a mover uploads at once for one route (its
// upload_window). Files uploaded side by side share the link and finish
// together, so their read-backs would all start at the end, with the
// uplink idle; a window at a time, files finish one after another and
// each read-back overlaps the uploads that follow: a full-duplex link is
// busy both ways. A file larger than the window goes alone; small files
// fill it up to the route's transfers.
type uploadWindow struct {
	size int64
	sem  *semaphore.Weighted
}

// newUploadWindow returns a window of size bytes, or nil (no bound) for 0.
func newUploadWindow(size int64) *uploadWindow {
	if size <= 0 {
		return nil
	}
	return &uploadWindow{size: size, sem: semaphore.NewWeighted(size)}
}

// waitTick is how often a file waiting for the window marks its job alive.
const waitTick = time.Second

// acquire waits for room to upload a file of size bytes and returns what
// gives it back. While it waits, progress ticks: the job is not stalled but
// waiting behind uploads that are, each, watched for stalls by their own
// job, which cancels them (and so frees the window) if they stop moving.
func (w *uploadWindow) acquire(ctx context.Context, size int64, progress *transfer.Progress) (release func(), err error) {
	if w == nil {
		return func() {}, nil
	}
	weight := min(max(size, 1), w.size)
	if w.sem.TryAcquire(weight) {
		return sync.OnceFunc(func() { w.sem.Release(weight) }), nil
	}
	acquired := make(chan error, 1)
	go func() { acquired <- w.sem.Acquire(ctx, weight) }()
	tick := time.NewTicker(waitTick)
	defer tick.Stop()
	for {
		select {
		case err := <-acquired:
			if err != nil {
				return nil, err
			}
			return sync.OnceFunc(func() { w.sem.Release(weight) }), nil
		case <-tick.C:
			progress.Tick()
		}
	}
}

// releaseOnceRead calls release once size bytes of r have been read, not
// when the upload returns: what is left of that upload then is in socket
// buffers and the server's answer, and the next file's set-up (open, ledger,
// existence check, request) overlaps it instead of leaving the link idle
// between files. The files still finish one after another. release must be
// safe to call twice (acquire's is); the caller still calls it when done.
func releaseOnceRead(r io.Reader, size int64, release func()) io.Reader {
	if size <= 0 {
		return r
	}
	return &readRelease{r: r, left: size, release: release}
}

type readRelease struct {
	r       io.Reader
	left    int64
	release func()
}

func (rr *readRelease) Read(p []byte) (int, error) {
	n, err := rr.r.Read(p)
	if rr.left -= int64(n); rr.left <= 0 || err != nil {
		rr.release()
	}
	return n, err
}
