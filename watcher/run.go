package watcher

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/ferrydata/ferry/internal/notify"
)

// Run watches local sources with fsnotify and rescans every route at start
// and every RescanInterval; remote routes are only listed. Events only make
// the watcher look sooner: the rescan alone would find every closed file.
// It returns nil when ctx is cancelled.
func (w *Watcher) Run(ctx context.Context) error {
	events, errs, err := w.startWatching()
	if err != nil {
		return err
	}
	defer w.stopWatching()
	w.rescan(ctx)
	ticker := time.NewTicker(w.cfg.RescanInterval)
	defer ticker.Stop()
	catchUp := time.NewTicker(catchUpEvery)
	defer catchUp.Stop()
	for {
		notify.Beat(ctx) // catchUp brings it round every second when idle
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
			w.rescan(ctx)
		case <-catchUp.C:
			if !w.Behind() {
				continue
			}
			if err := w.CatchUp(ctx); err != nil && ctx.Err() == nil {
				w.deps.Log.Warn("couldn't catch up with files left on disk; the next pass retries", "err", err)
			}
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			w.handle(ctx, ev)
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			// Events may have been lost (an overflow above all): only a full
			// rescan is sure to see what they said.
			w.deps.Log.Warn("file events lost; rescanning", "err", err,
				"overflow", errors.Is(err, fsnotify.ErrEventOverflow))
			w.rescan(ctx)
		case t := <-w.recheck:
			if err := w.checkLocal(ctx, t.route, t.path, &found{}); err != nil {
				w.deps.Log.Warn("couldn't announce file; the next rescan retries", "route", t.route.Name, "err", err)
			}
		}
	}
}

func (w *Watcher) rescan(ctx context.Context) {
	start := time.Now()
	var closed, announced, deferred atomic.Int64
	_, err := w.ScanEach(ctx, func(s Seen) { // problems were logged as found
		notify.Beat(ctx) // a long rescan that finds files is alive
		closed.Add(1)
		switch {
		case s.Announced:
			announced.Add(1)
		case s.Deferred:
			deferred.Add(1)
		}
	})
	if err != nil && ctx.Err() == nil {
		w.deps.Log.Warn("rescan incomplete", "err", err)
	}
	w.deps.Log.Info("rescanned", "closed", closed.Load(), "announced", announced.Load(), "deferred", deferred.Load(), "took", time.Since(start))
}

// startWatching creates the fsnotify watcher when some route is local. The
// watches themselves are added by the first rescan, directory by directory,
// each before its entries are listed, so no file falls between the two.
func (w *Watcher) startWatching() (<-chan fsnotify.Event, <-chan error, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done != nil {
		return nil, nil, errors.New("couldn't start watcher: already running")
	}
	w.done = make(chan struct{})
	for _, r := range w.routes {
		if r.root == "" {
			continue
		}
		fsw, err := fsnotify.NewWatcher()
		if err != nil {
			// Most often the inotify instance limit; rescans alone still find every file.
			w.deps.Log.Warn("couldn't start watching files; relying on rescans", "err", err)
			return nil, nil, nil
		}
		w.fsw = fsw
		return fsw.Events, fsw.Errors, nil
	}
	return nil, nil, nil // only remote routes: listing alone
}

// stopWatching closes fsnotify and drops pending re-checks, so Run leaves no
// goroutine behind.
func (w *Watcher) stopWatching() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for key, t := range w.timers {
		t.Stop()
		delete(w.timers, key)
	}
	if w.fsw != nil {
		if err := w.fsw.Close(); err != nil {
			w.deps.Log.Warn("couldn't stop watching files", "err", err)
		}
		w.fsw = nil
	}
	close(w.done)
	w.done = nil
}
