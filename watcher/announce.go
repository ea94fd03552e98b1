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

// announce records f in the ledger and publishes it if the ledger says so
// (announceChunk of one file). The ledger's compare-and-set makes a racing
// event and rescan announce once. A record in flight is announced again
// once older than staleAfter. It reports whether f was published.
func (w *Watcher) announce(ctx context.Context, r *route, f bus.File, staleAfter time.Duration) (bool, error) {
	published, err := w.announceChunk(ctx, r, []bus.File{f}, staleAfter, time.Time{})
	return published[0], err
}

// keepPending keeps announcements whose publish failed for a quick retry.
// Past maxPending (the bus down for a whole backlog), stale_after it is.
func (w *Watcher) keepPending(events []bus.Closed) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range events {
		if len(w.pending) >= maxPending {
			return
		}
		w.pending[c.ID()] = c
	}
}

// A scan's files are announced in chunks of announceChunk: one atomic
// ledger batch and one batch of events each, so a backlog costs two fsyncs
// per chunk, not two per file. announceParallel announcers take chunks at
// once, so the ledger's batch and the events' batch of different chunks
// overlap; an announcer takes what the walk has found, up to a chunk, so a
// file found alone is not kept waiting for others.
const (
	announceChunk    = 100
	announceParallel = 4
)

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

// announceChunk is announce for several files: the ledger records them in
// one batch, then the events of those it says to announce go out together.
// published[i] says whether files[i] was announced now.
func (w *Watcher) announceChunk(ctx context.Context, r *route, files []bus.File, staleAfter time.Duration, lostBefore time.Time) (published []bool, err error) {
	policy := ledger.Policy{StaleAfter: staleAfter, DeletesSource: r.DeletesSource, LostBefore: lostBefore}
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
		w.keepPending(events)
		return make([]bool, len(files)), errors.Join(lerr, fmt.Errorf("couldn't announce %d files of route %s: %w", len(events), r.Name, err))
	}
	w.deps.Metrics.FilesClosed.WithLabelValues(r.Name).Add(float64(len(events)))
	for _, c := range events {
		r.fileLog(c.File.Path).Info("announced closed file", "size", c.File.Size)
	}
	return publish, lerr
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
			w.deps.Log.Warn("couldn't announce closed file; will retry", "route", c.Route, "host", c.Host, "file", c.File.Path, "err", err)
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
	r.fileLog(rel).Warn("skipping file", "reason", reason)
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
