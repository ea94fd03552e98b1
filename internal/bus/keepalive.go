package bus

import (
	"context"
	"errors"
	"time"

	"github.com/ferrydata/ferry/internal/notify"
)

// ErrStalled cancels work whose transfer stopped moving bytes.
var ErrStalled = errors.New("transfer stalled: no progress")

// KeepAlive heartbeats d every ackWait/3 while the work makes progress, so a
// short ack wait still detects a dead worker quickly. progress returns a
// counter of bytes moved; when it has not moved for stallAfter, the returned
// context is cancelled with ErrStalled and heartbeats stop, so a hung worker
// cannot hold a job forever. Call stop when the work is done.
func KeepAlive(ctx context.Context, d *Delivery, ackWait, stallAfter time.Duration, progress func() int64) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	interval := max(ackWait/3, 50*time.Millisecond)
	done := make(chan struct{})
	go func() {
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		last, lastMoved := progress(), time.Now()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case now := <-ticker.C:
				if n := progress(); n != last {
					last, lastMoved = n, now
					notify.Beat(ctx) // a long job moving bytes is its loop alive
				}
				if now.Sub(lastMoved) > stallAfter {
					cancel(ErrStalled)
					return
				}
				_ = d.InProgress()
			}
		}
	}()
	return ctx, func() { close(done); cancel(nil) }
}
