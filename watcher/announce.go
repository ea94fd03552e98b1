package watcher

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/ledger"
)

// maxWarned bounds the memory of warnings given; past it, warnings may repeat.
const maxWarned = 100000

// maxPending bounds the announcements kept for a quick retry of their publish.
const maxPending = 10000

// announce records f in the ledger and publishes it if the ledger says so.
// The ledger's compare-and-set makes a racing event and rescan announce once.
// A record in flight is announced again once older than staleAfter.
// It reports whether f was published.
func (w *Watcher) announce(ctx context.Context, r *route, f bus.File, staleAfter time.Duration) (bool, error) {
	policy := ledger.Policy{StaleAfter: staleAfter, DeletesSource: r.DeletesSource}
	publish, err := w.deps.Ledger.Announce(ctx, r.Name, r.Host, f, policy)
	if err != nil {
		return false, fmt.Errorf("couldn't record %s of route %s: %w", f.Path, r.Name, err)
	}
	if !publish {
		return false, nil
	}
	c := bus.Closed{Route: r.Name, Host: r.Host, File: f, Announced: time.Now().UnixNano()}
	if err := w.deps.Bus.PublishClosed(ctx, c); err != nil {
		// The ledger now says "closed, just announced", so a rescan would wait
		// StaleAfter before trying again: keep the message and retry it sooner.
		// Past maxPending (the bus down for a whole backlog), stale_after it is.
		w.mu.Lock()
		if len(w.pending) < maxPending {
			w.pending[c.ID()] = c
		}
		w.mu.Unlock()
		return false, fmt.Errorf("couldn't announce %s of route %s: %w", f.Path, r.Name, err)
	}
	w.deps.Metrics.FilesClosed.WithLabelValues(r.Name).Inc()
	w.deps.Log.Info("announced closed file", "route", r.Name, "path", f.Path, "size", f.Size)
	return true, nil
}

// announceParallel bounds concurrent announcements: each costs two durable
// writes, and a scan of thousands of files should not wait for them one by one.
const announceParallel = 16

// orphanGrace covers the moment between the watcher's ledger write and its
// publish: a record younger than this may not have its message yet.
const orphanGrace = 5 * time.Second

// announceErrors gathers the errors of a scan's announcers: the first few
// and a count, as a bus that is down fails every file of a backlog.
type announceErrors struct {
	mu    sync.Mutex
	first []error
	n     int
}

const keptErrors = 5

func (a *announceErrors) add(err error) {
	if err == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n++
	if len(a.first) < keptErrors {
		a.first = append(a.first, err)
	}
}

func (a *announceErrors) err() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.n > len(a.first) {
		return errors.Join(append(a.first, fmt.Errorf("and %d more files not announced", a.n-len(a.first)))...)
	}
	return errors.Join(a.first...)
}

// republish retries announcements recorded in the ledger whose publish failed.
// A repeat is harmless: the bus drops it by its dedup id.
func (w *Watcher) republish(ctx context.Context) {
	w.mu.Lock()
	todo := make([]bus.Closed, 0, len(w.pending))
	for _, c := range w.pending {
		todo = append(todo, c)
	}
	w.mu.Unlock()
	for _, c := range todo {
		if err := w.deps.Bus.PublishClosed(ctx, c); err != nil {
			w.deps.Log.Warn("couldn't announce closed file; will retry", "route", c.Route, "path", c.File.Path, "err", err)
			return // the bus is down: the rest would fail too
		}
		w.deps.Metrics.FilesClosed.WithLabelValues(c.Route).Inc()
		w.mu.Lock()
		delete(w.pending, c.ID())
		w.mu.Unlock()
	}
}

// skip refuses a file that matches the rules: it is reported to the caller
// every time, but warned about and counted once per route, path and reason,
// so a bad file does not flood every rescan.
func (w *Watcher) skip(r *route, rel, reason string, out *found) {
	out.problems = append(out.problems, Problem{Route: r.Name, Path: rel, Reason: reason})
	if !w.firstWarning(r.Name + "\x00" + reason + "\x00" + rel) {
		return
	}
	w.deps.Metrics.FilesSkipped.WithLabelValues(r.Name, reason).Inc()
	w.deps.Log.Warn("skipping file", "route", r.Name, "path", rel, "reason", reason)
}

// firstWarning reports whether key is warned about for the first time.
func (w *Watcher) firstWarning(key string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.warned) >= maxWarned {
		clear(w.warned)
	}
	first := !w.warned[key]
	w.warned[key] = true
	return first
}
