package watcher

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/worker"
)

// maxWarned bounds the memory of warnings given; past it, warnings may repeat.
const maxWarned = 100000

// announce records f in the ledger and publishes it if the ledger says so.
// The ledger's compare-and-set makes a racing event and rescan announce once.
// A record in flight is announced again once older than staleAfter.
func (w *Watcher) announce(ctx context.Context, r *route, f bus.File, staleAfter time.Duration) error {
	policy := ledger.Policy{StaleAfter: staleAfter, DeletesSource: r.DeletesSource}
	publish, err := w.deps.Ledger.Announce(ctx, r.Name, r.Host, f, policy)
	if err != nil {
		return fmt.Errorf("couldn't record %s of route %s: %w", f.Path, r.Name, err)
	}
	if !publish {
		return nil
	}
	c := bus.Closed{Route: r.Name, Host: r.Host, File: f, Announced: time.Now().UnixNano()}
	if err := w.deps.Bus.PublishClosed(ctx, c); err != nil {
		// The ledger now says "closed, just announced", so a rescan would wait
		// StaleAfter before trying again: keep the message and retry it sooner.
		w.mu.Lock()
		w.pending[c.ID()] = c
		w.mu.Unlock()
		return fmt.Errorf("couldn't announce %s of route %s: %w", f.Path, r.Name, err)
	}
	w.deps.Metrics.FilesClosed.WithLabelValues(r.Name).Inc()
	w.deps.Log.Info("announced closed file", "route", r.Name, "path", f.Path, "size", f.Size)
	return nil
}

// A scan's files are announced in chunks of announceChunk: one atomic
// ledger batch and one batch of events each, so a backlog costs two fsyncs
// per chunk, not two per file. announceParallel chunks go at once, so the
// ledger's batch and the events' batch of different chunks overlap.
const (
	announceChunk    = 100
	announceParallel = 4
)

// orphanGrace covers the moment between the watcher's ledger write and its
// publish: a record younger than this may not have its message yet.
const orphanGrace = 5 * time.Second

// announceAll announces a scan's closed files of one route, in chunks.
// If no message of the route and host was in the queues when the scan began
// (idleAt), a file still in flight has lost its message: it is announced
// again without waiting for stale_after.
func (w *Watcher) announceAll(ctx context.Context, r *route, seen []Seen, idleAt time.Time) error {
	chunks := (len(seen) + announceChunk - 1) / announceChunk
	errs := make([]error, chunks)
	worker.Each(chunks, announceParallel, func(i int) {
		if errs[i] = ctx.Err(); errs[i] != nil {
			return
		}
		stale := w.cfg.StaleAfter
		if !idleAt.IsZero() {
			stale = min(stale, orphanGrace+time.Since(idleAt))
		}
		errs[i] = w.announceChunk(ctx, r, seen[i*announceChunk:min(len(seen), (i+1)*announceChunk)], stale)
	})
	return errors.Join(errs...)
}

// announceChunk is announce for several files: the ledger records them in
// one batch, then the events of those it says to announce go out together.
func (w *Watcher) announceChunk(ctx context.Context, r *route, seen []Seen, staleAfter time.Duration) error {
	files := make([]bus.File, len(seen))
	for i, s := range seen {
		files[i] = s.File
	}
	policy := ledger.Policy{StaleAfter: staleAfter, DeletesSource: r.DeletesSource}
	publish, lerr := w.deps.Ledger.AnnounceAll(ctx, r.Name, r.Host, files, policy)
	if lerr != nil {
		lerr = fmt.Errorf("couldn't record files of route %s: %w", r.Name, lerr)
	}
	now := time.Now().UnixNano()
	var events []bus.Closed
	for i, f := range files {
		if publish[i] {
			events = append(events, bus.Closed{Route: r.Name, Host: r.Host, File: f, Announced: now})
		}
	}
	if err := w.deps.Bus.PublishClosedAll(ctx, events); err != nil {
		// The ledger now says "closed, just announced", so a rescan would wait
		// StaleAfter before trying again: keep the messages and retry them sooner.
		w.mu.Lock()
		for _, c := range events {
			w.pending[c.ID()] = c
		}
		w.mu.Unlock()
		return errors.Join(lerr, fmt.Errorf("couldn't announce %d files of route %s: %w", len(events), r.Name, err))
	}
	w.deps.Metrics.FilesClosed.WithLabelValues(r.Name).Add(float64(len(events)))
	for _, c := range events {
		w.deps.Log.Info("announced closed file", "route", r.Name, "path", c.File.Path, "size", c.File.Size)
	}
	return lerr
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
