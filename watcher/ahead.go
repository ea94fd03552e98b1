package watcher

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// DefaultMaxQueued bounds the messages of one route and host that scans
// leave in the queues. A million waiting files are then not a million ledger
// records and messages at once (the bus's memory and disk, and every later
// read of a cold record): the pipeline is kept fed, and the rest waits on
// disk, where it is safe, for the pass that follows once the queue drains.
const DefaultMaxQueued = 10000

// catchUpEvery is how often Run looks whether a route that scans left
// behind has drained enough for the next pass.
const catchUpEvery = time.Second

// window is how many files one pass may announce: the room under MaxQueued
// when the pass began. Only files announced use it, not those the ledger
// says are in flight, so a pass that walks past a queue's worth of them
// still gets on. Announcers take whole chunks while room is left, so a pass
// may overshoot by a few chunks; files past it are deferred: untouched, no
// ledger read, for a later pass.
type window struct {
	room      int64
	announced atomic.Int64
	deferred  atomic.Int64
	full      func() // called when files are deferred; stops a catch-up pass's walk
}

func (win *window) open() bool { return win.announced.Load() < win.room }

func (win *window) deferAll(n int) {
	win.deferred.Add(int64(n))
	if win.full != nil {
		win.full()
	}
}

// Behind reports whether some route's last pass left closed files on disk
// unannounced because its queue was full: CatchUp announces them.
func (w *Watcher) Behind() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, behind := range w.behind {
		if behind {
			return true
		}
	}
	return false
}

// CatchUp makes a pass over each route left behind whose queue has drained
// below half of MaxQueued. The pass walks from the start, skips what is in
// flight and stops as soon as its room is used, so a backlog of a million
// files costs a walk of what is announced, not of the million, per pass.
// Files it finds are not reported: the full scan that deferred them did.
func (w *Watcher) CatchUp(ctx context.Context) error {
	var errs []error
	for _, r := range w.routes {
		w.mu.Lock()
		behind := w.behind[r.Name]
		w.mu.Unlock()
		if !behind {
			continue
		}
		queued, err := w.deps.Bus.RouteBacklog(ctx, r.Name, r.Host)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if queued >= uint64(w.cfg.MaxQueued/2) {
			continue
		}
		if _, err := w.scanRoute(ctx, r, r.root, pass{catchUp: true}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
