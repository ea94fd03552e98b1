package watcher

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// writeSettle is how long a matching file must go without events before the
// watcher looks at it. fsnotify has no portable close-write event, and a file
// copied in place under its final name would otherwise be announced at its
// first write (with min_age 0) and again at every later one. A rename into
// place, as Heritrix does, costs only this delay.
const writeSettle = 500 * time.Millisecond

// maxTimers bounds the re-checks waiting at once, one per young file.
const maxTimers = 10000

// target is a local path of a route to look at again.
type target struct {
	route *route
	path  string
}

// handle reacts to one event. A rename appears as Create at the new name
// (and Rename at the old one, which is gone and needs nothing).
func (w *Watcher) handle(ctx context.Context, ev fsnotify.Event) {
	if !ev.Has(fsnotify.Create) && !ev.Has(fsnotify.Write) {
		return
	}
	isDir := false
	if ev.Has(fsnotify.Create) {
		fi, err := os.Lstat(ev.Name)
		isDir = err == nil && fi.IsDir()
	}
	for _, r := range w.routes {
		rel, ok := within(r, ev.Name)
		switch {
		case !ok:
		case isDir:
			// Watch the new directory and find what arrived before the watch did.
			if _, err := w.scanRoute(ctx, r, ev.Name, pass{}); err != nil {
				w.deps.Log.Warn("couldn't scan new directory; the next rescan retries", "route", r.Name, "err", err)
			}
		case r.rules.Match(rel):
			// Writes to *.open and the live crawl.log never get this far.
			w.recheckAfter(r, ev.Name, writeSettle)
		}
	}
}

// within returns path relative to a local route's root, if it is below it.
// Sources of several routes may overlap, so every route is asked.
func within(r *route, path string) (string, bool) {
	if r.root == "" {
		return "", false // a remote: no events
	}
	prefix := r.root
	if !strings.HasSuffix(prefix, string(filepath.Separator)) {
		prefix += string(filepath.Separator) // "/" as a root already ends in one
	}
	if !strings.HasPrefix(path, prefix) || len(path) == len(prefix) {
		return "", false
	}
	return filepath.ToSlash(path[len(prefix):]), true
}

// recheckAfter makes Run look at path again after wait, replacing any earlier
// re-check of it. It does nothing outside Run (Scan alone has no loop to run
// it), when the next rescan comes first anyway, or past maxTimers.
func (w *Watcher) recheckAfter(r *route, path string, wait time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done == nil || wait >= w.cfg.RescanInterval {
		return
	}
	key := r.Name + "\x00" + path
	old := w.timers[key]
	if old == nil && len(w.timers) >= maxTimers {
		return // a tree closing all at once: the next rescan finds the rest
	}
	if old != nil {
		old.Stop()
	}
	done, tg := w.done, target{route: r, path: path}
	var t *time.Timer
	t = time.AfterFunc(wait, func() {
		w.mu.Lock() // also orders this read of t after its assignment below
		if w.timers[key] == t {
			delete(w.timers, key)
		}
		w.mu.Unlock()
		select {
		case w.recheck <- tg:
		case <-done:
		}
	})
	w.timers[key] = t
}

// watch adds an fsnotify watch on a directory while Run runs. A failure (most
// often the inotify watch limit) is logged once; rescans still cover the tree.
func (w *Watcher) watch(r *route, dir string) {
	w.mu.Lock()
	fsw := w.fsw
	w.mu.Unlock()
	if fsw == nil {
		return
	}
	err := fsw.Add(dir)
	if err != nil && !errors.Is(err, fsnotify.ErrClosed) && w.firstWarning(r.Name+"\x00watch\x00"+dir) {
		w.deps.Log.Warn("couldn't watch directory; relying on rescans", "route", r.Name, "dir", dir, "err", err)
	}
}
