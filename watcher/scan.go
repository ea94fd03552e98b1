package watcher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/transfer"
)

// Problem is something under a route that Scan could not move on: a file it
// refused, or an entry it could not read. Files the rules exclude are not
// problems; they are simply not ferry's.
type Problem struct {
	Route  string
	Path   string // relative to the route's source
	Reason string // a Reason* constant
	Detail string // the error, for ReasonUnreadable
}

// Reasons of problems beyond the rules' own skips (see closed.go).
const (
	ReasonUnreadable   = "unreadable"    // a directory or entry could not be listed or stat'ed
	ReasonSymlinkedDir = "symlinked_dir" // a link to a directory: never followed, its files never moved
	// A file under a delete's private name (a delete was killed) that was
	// not put back: too young yet, or its name is taken.
	ReasonInterruptedDelete = "interrupted_delete"
)

// found is where a walk puts what it finds: problems here, closed files to
// the route's announcers (or, with closed unset, announced by the caller's
// goroutine itself, for the single paths Run looks at again).
type found struct {
	problems []Problem
	closed   chan<- bus.File
}

// Scan is ScanEach collecting every closed file found: for tests and small
// trees. Its slice holds the whole backlog; daemons use ScanEach.
func (w *Watcher) Scan(ctx context.Context) ([]Seen, []Problem, error) {
	var mu sync.Mutex
	var seen []Seen
	problems, err := w.ScanEach(ctx, func(s Seen) {
		mu.Lock()
		seen = append(seen, s)
		mu.Unlock()
	})
	return seen, problems, err
}

// ScanEach makes one pass over every route and calls fn (if set) for every
// closed file found, announced now, already known (in any ledger state), or
// deferred because the route's queue is full (see MaxQueued), from several
// goroutines at once. It returns the problems that keep other files from
// being moved. Files still too young for min_age are not closed yet and are
// left out. A failing route does not stop the others; their errors are
// joined. Memory stays bounded whatever the backlog: the walk hands files to
// announcers through a short channel and keeps none.
func (w *Watcher) ScanEach(ctx context.Context, fn func(Seen)) ([]Problem, error) {
	w.republish(ctx)
	var problems []Problem
	var errs []error
	for _, r := range w.routes {
		p, err := w.scanRoute(ctx, r, r.root, pass{fn: fn, heal: true})
		problems = append(problems, p...)
		if err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return problems, errors.Join(errs...)
}

// pass says how scanRoute walks.
type pass struct {
	fn func(Seen) // told of every closed file found; nil: nobody asks
	// heal: if no message of the route and host was in the queues when the
	// pass began, a file still in flight has lost its message and is
	// announced again without waiting for stale_after.
	heal bool
	// catchUp: stop walking once the window is full (see CatchUp).
	catchUp bool
}

// scanRoute walks dir of one route (its root, a directory below it, or ""
// for a remote) while announceParallel goroutines announce what the walk
// finds, as long as the route's queue has room (see window).
func (w *Watcher) scanRoute(ctx context.Context, r *route, dir string, p pass) ([]Problem, error) {
	queued, idleAt := w.queued(ctx, r)
	if !p.heal {
		idleAt = time.Time{}
	}
	var lostBefore time.Time // FERRY_CLOSED made again since: see ledger.Policy
	if p.heal {
		if since, err := w.deps.Bus.ClosedSince(ctx); err == nil {
			lostBefore = since
		}
	}
	walkCtx, stopWalk := context.WithCancel(ctx)
	defer stopWalk()
	win := &window{room: int64(w.cfg.MaxQueued) - int64(min(queued, uint64(w.cfg.MaxQueued)))}
	if p.catchUp {
		win.full = stopWalk
	}
	files := make(chan bus.File, announceChunk*announceParallel)
	var failures announceErrors
	var wg sync.WaitGroup
	for range announceParallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chunk := range chunks(files, announceChunk) {
				if ctx.Err() != nil {
					continue // drain: the walk stops at its next entry
				}
				published := make([]bool, len(chunk))
				deferred := !win.open()
				if deferred {
					win.deferAll(len(chunk))
				} else {
					stale := w.cfg.StaleAfter
					if !idleAt.IsZero() {
						// Nothing queued: a record older than this process
						// lost its message with the process before (kept in
						// memory, announcements do not outlive their server),
						// one younger than the grace may not be published yet.
						stale = min(stale, orphanGrace+time.Since(idleAt), time.Since(w.started))
					}
					var err error
					published, err = w.announceChunk(ctx, r, chunk, stale, lostBefore)
					failures.add(err)
					win.announced.Add(int64(countTrue(published)))
				}
				if p.fn != nil {
					for i, f := range chunk {
						p.fn(Seen{Route: r.Name, Host: r.Host, File: f, Announced: published[i], Deferred: deferred})
					}
				}
			}
		}()
	}
	out := found{closed: files}
	var err error
	if r.root == "" {
		err = w.scanRemote(walkCtx, r, &out)
	} else {
		err = w.scanLocal(walkCtx, r, dir, &out)
	}
	close(files)
	wg.Wait()
	if ctx.Err() == nil && walkCtx.Err() != nil {
		err = nil // a catch-up pass stopped, its room used
	}
	w.noteBehind(r, dir, win.deferred.Load())
	return out.problems, errors.Join(err, failures.err())
}

// noteBehind remembers whether a pass left files of r deferred. Only a pass
// over the whole route can say it left none.
func (w *Watcher) noteBehind(r *route, dir string, deferred int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if deferred > 0 || dir == r.root {
		w.behind[r.Name] = deferred > 0
	}
	if deferred > 0 {
		w.deps.Log.Info("queue full: closed files left on disk for a later pass", "route", r.Name,
			"deferred", deferred, "max_queued", w.cfg.MaxQueued)
	}
}

func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// chunks yields what arrives on files in slices of at most n: each one all
// that has arrived, without waiting for more.
func chunks(files <-chan bus.File, n int) iter.Seq[[]bus.File] {
	return func(yield func([]bus.File) bool) {
		for f := range files {
			chunk := []bus.File{f}
		more:
			for len(chunk) < n {
				select {
				case f, ok := <-files:
					if !ok {
						break more
					}
					chunk = append(chunk, f)
				default:
					break more
				}
			}
			if !yield(chunk) {
				return
			}
		}
	}
}

// queued returns how many messages of the route and host are queued or in
// flight, and now if there are none (else the zero time). A queue that
// cannot be read counts as busy, with room for a full window.
func (w *Watcher) queued(ctx context.Context, r *route) (uint64, time.Time) {
	now := time.Now()
	n, err := w.deps.Bus.RouteBacklog(ctx, r.Name, r.Host)
	if err != nil {
		w.deps.Log.Warn("couldn't read the queue backlog", "route", r.Name, "err", err)
		return 0, time.Time{}
	}
	if n > 0 {
		return n, time.Time{}
	}
	return 0, now
}

// dirChunk is how many entries of a directory are read at once: a Heritrix
// output directory may hold a million files, and none is held longer.
const dirChunk = 1024

// scanLocal walks dir (the route's root or a directory below it) with lstat
// semantics: a symlink is reported as itself and never followed, so nothing
// outside the root is ever listed. While Run runs, every directory walked is
// also watched (before it is listed, so no file falls between the two),
// which re-arms watches lost to an overflow or a failed add. A directory's
// files are looked at as they are read, its subdirectories after them.
func (w *Watcher) scanLocal(ctx context.Context, r *route, dir string, out *found) error {
	w.watch(r, dir)
	subdirs, err := w.listLocal(ctx, r, dir, out)
	if err != nil {
		return fmt.Errorf("couldn't scan %s of route %s: %w", dir, r.Name, err)
	}
	for _, sub := range subdirs {
		if err := w.walkLocal(ctx, r, sub, out); err != nil {
			return err
		}
	}
	return nil
}

// walkLocal is scanLocal below the walk's top: one unreadable or vanished
// directory must not hide the rest of the tree.
func (w *Watcher) walkLocal(ctx context.Context, r *route, dir string, out *found) error {
	w.watch(r, dir)
	subdirs, err := w.listLocal(ctx, r, dir, out)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !errors.Is(err, fs.ErrNotExist) {
			w.unreadable(r, dir, err, out)
		}
	}
	for _, sub := range subdirs {
		if err := w.walkLocal(ctx, r, sub, out); err != nil {
			return err
		}
	}
	return nil
}

// listLocal looks at the entries of one directory, dirChunk at a time, and
// returns its subdirectories. An error reading the directory is returned
// with the subdirectories found before it.
func (w *Watcher) listLocal(ctx context.Context, r *route, dir string, out *found) ([]string, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	var subdirs []string
	var restored map[string]bool // names put back during this listing
	for {
		entries, err := d.ReadDir(dirChunk)
		for _, e := range entries {
			if ctx.Err() != nil {
				return subdirs, ctx.Err()
			}
			path := filepath.Join(dir, e.Name())
			switch {
			case e.IsDir():
				subdirs = append(subdirs, path)
			case restored[path]:
				// Looked at when it was put back.
			case transfer.IsQuarantined(e.Name()):
				// Looked at now: this listing may have passed its name,
				// or may list it later (then it is skipped above).
				back := w.restore(r, path, out)
				for back != "" {
					if restored == nil {
						restored = map[string]bool{}
					}
					restored[back] = true
					if !transfer.IsQuarantined(filepath.Base(back)) {
						if err := w.checkLocal(ctx, r, back, out); err != nil {
							return subdirs, err
						}
						break
					}
					back = w.restore(r, back, out) // a private name behind a private name
				}
			default:
				if err := w.checkLocal(ctx, r, path, out); err != nil {
					return subdirs, err
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return subdirs, nil
		}
		if err != nil {
			return subdirs, err
		}
	}
}

// checkLocal looks at one local path (lstat only, never its contents).
func (w *Watcher) checkLocal(ctx context.Context, r *route, path string, out *found) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // renamed or deleted since it was listed
	}
	if err != nil {
		w.unreadable(r, path, err, out)
		return nil
	}
	rel, err := filepath.Rel(r.root, path)
	if err != nil {
		return fmt.Errorf("couldn't make %s relative to %s: %w", path, r.root, err)
	}
	c := Candidate{Rel: filepath.ToSlash(rel), Mode: fi.Mode(), Size: fi.Size(), ModTime: fi.ModTime()}
	_, c.Ino, c.CTime = transfer.StatIdentity(fi)
	if c.Mode&fs.ModeSymlink != 0 && !r.rules.Match(c.Rel) {
		if hidesDir(r, path) {
			w.skip(r, c.Rel, ReasonSymlinkedDir, out)
		}
		return nil
	}
	return w.consider(ctx, r, c, path, out)
}

// hidesDir reports whether the link at path leads to a directory outside the
// route: files there may be ones the rules want, and the link is never
// followed. A link within the route (Heritrix's "latest") hides nothing, its
// files are walked by their real path. The target is resolved, never listed.
func hidesDir(r *route, path string) bool {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false // dangling, or unreadable on the way: nothing to list there either
	}
	if _, inside := within(r, target); inside || target == r.root {
		return false
	}
	fi, err := os.Stat(target)
	return err == nil && fi.IsDir()
}

// unreadable reports an entry that could not be read.
func (w *Watcher) unreadable(r *route, path string, err error, out *found) {
	rel, rerr := filepath.Rel(r.root, path)
	if rerr != nil {
		rel = path
	}
	r.fileLog(filepath.ToSlash(rel)).Warn("couldn't read entry; skipping it", "err", err)
	out.problems = append(out.problems, Problem{Route: r.Name, Path: filepath.ToSlash(rel), Reason: ReasonUnreadable,
		Detail: err.Error()})
}

// consider decides about a candidate and acts: announce or hand it to the
// announcers, skip, or (for a local path while Run runs) schedule a
// re-check. Refused files go to out.problems.
func (w *Watcher) consider(ctx context.Context, r *route, c Candidate, path string, out *found) error {
	d := r.rules.Decide(c, w.deps.Now(), r.MinAge)
	switch d.Verdict {
	case Skip:
		w.skip(r, c.Rel, d.Reason, out)
	case Young:
		if path != "" {
			w.recheckAfter(r, path, d.Wait)
		}
	case Ready:
		if out.closed == nil {
			_, err := w.announce(ctx, r, c.File(), w.cfg.StaleAfter)
			return err
		}
		select {
		case out.closed <- c.File():
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// restore puts back a file a verifier renamed to a private name to delete
// it and then crashed (see transfer.RestoreQuarantined): under its own name
// it is announced, verified and deleted again, or kept if it is not the
// file that was verified. It returns the restored file's path, or "".
func (w *Watcher) restore(r *route, path string, out *found) string {
	rel, err := filepath.Rel(r.root, path)
	if err != nil {
		return ""
	}
	minAge := w.cfg.QuarantineGrace
	if before := w.leftBefore.Load(); before != 0 {
		// Renamed at least this long ago: before that time.
		minAge = min(minAge, max(time.Since(time.Unix(0, before)), 0))
	}
	restored, err := transfer.RestoreQuarantined(r.root, filepath.ToSlash(rel), minAge)
	switch {
	case err != nil:
		r.fileLog(filepath.ToSlash(rel)).Warn("couldn't restore a file left by an interrupted delete", "err", err)
	case restored != "":
		r.fileLog(restored).Info("restored a file left by an interrupted delete")
		return filepath.Join(r.root, filepath.FromSlash(restored))
	}
	if _, err := os.Lstat(path); err == nil {
		// Too young, or its name taken.
		out.problems = append(out.problems, Problem{Route: r.Name, Path: filepath.ToSlash(rel), Reason: ReasonInterruptedDelete})
	}
	return ""
}
