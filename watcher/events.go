package watcher

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// writeSettle is how long a matching file must go without writes before an
// event makes the watcher look at it. fsnotify has no portable close-write
// event, and a file written in place under its final name would otherwise be
// announced at every write.
const writeSettle = 500 * time.Millisecond

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
	for _, r := range w.routes {
		rel, ok := within(r, ev.Name)
		if !ok {
			continue
		}
		if !ev.Has(fsnotify.Create) {
			// Writes to *.open and the live crawl.log never reach the disk check.
			if r.rules.Match(rel) {
				w.recheckAfter(r, ev.Name, writeSettle)
			}
			continue
		}
		fi, err := os.Lstat(ev.Name)
		if err != nil {
			continue // gone again already
		}
		if fi.IsDir() {
			// A new directory: watch it and everything that arrived in it
			// before the watch did.
			_, err = w.scanLocal(ctx, r, ev.Name)
		} else {
			_, _, err = w.checkLocal(ctx, r, ev.Name)
		}
		if err != nil {
			w.deps.Log.Warn("couldn't handle file event; the next rescan retries", "route", r.Name, "err", err)
		}
	}
}

// within returns path relative to a local route's root, if it is below it.
// Sources of several routes may overlap, so every route is asked.
func within(r *route, path string) (string, bool) {
	prefix := r.root
	if !strings.HasSuffix(prefix, string(filepath.Separator)) {
		prefix += string(filepath.Separator)
	}
	if r.root == "" || !strings.HasPrefix(path, prefix) || len(path) == len(prefix) {
		return "", false
	}
	return filepath.ToSlash(path[len(prefix):]), true
}

// recheckAfter makes Run look at path again after wait, replacing any earlier
// re-check of it. It does nothing outside Run (Scan alone has no loop to run
// it) or when the next rescan comes first anyway.
func (w *Watcher) recheckAfter(r *route, path string, wait time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done == nil || wait >= w.cfg.RescanInterval {
		return
	}
	key := r.Name + "\x00" + path
	if old := w.timers[key]; old != nil {
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
	if err := fsw.Add(dir); err != nil && w.firstWarning(r.Name+"\x00watch\x00"+dir) {
		w.deps.Log.Warn("couldn't watch directory; relying on rescans", "route", r.Name, "dir", dir, "err", err)
	}
}
