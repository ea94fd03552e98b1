package watcher

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/ferrydata/ferry/internal/transfer"
)

// Scan makes one pass over every route and returns every closed file found,
// announced now or already known (in any ledger state). Files still too young
// for min_age are not closed yet and are left out. A failing route does not
// stop the others; their errors are joined.
func (w *Watcher) Scan(ctx context.Context) ([]Seen, error) {
	w.republish(ctx)
	var all []Seen
	var errs []error
	for _, r := range w.routes {
		var seen []Seen
		var err error
		idleAt := w.idleSince(ctx, r)
		if r.root == "" {
			seen, err = w.scanRemote(ctx, r)
		} else {
			seen, err = w.scanLocal(ctx, r, r.root)
		}
		if aerr := w.announceAll(ctx, r, seen, idleAt); aerr != nil {
			err = errors.Join(err, aerr)
		}
		all = append(all, seen...)
		if err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return all, errors.Join(errs...)
}

// idleSince returns now if no message of the route and host is queued or in
// flight anywhere, else the zero time (unknown counts as busy).
func (w *Watcher) idleSince(ctx context.Context, r *route) time.Time {
	now := time.Now()
	n, err := w.deps.Bus.RouteBacklog(ctx, r.Name, r.Host)
	if err != nil {
		w.deps.Log.Warn("couldn't read the queue backlog", "route", r.Name, "err", err)
		return time.Time{}
	}
	if n > 0 {
		return time.Time{}
	}
	return now
}

// scanLocal walks dir (the route's root or a directory below it) with lstat
// semantics: a symlink is reported as itself and never followed, so nothing
// outside the root is ever listed. While Run runs, every directory walked is
// also watched, which re-arms watches lost to an overflow or a failed add.
func (w *Watcher) scanLocal(ctx context.Context, r *route, dir string) ([]Seen, error) {
	var seen []Seen
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			if path == dir {
				return err
			}
			// One unreadable or vanished entry must not hide the rest of the tree.
			if !errors.Is(err, fs.ErrNotExist) {
				w.deps.Log.Warn("couldn't read entry; skipping it", "route", r.Name, "path", path, "err", err)
			}
			return nil
		}
		if d.IsDir() {
			w.watch(r, path)
			return nil
		}
		if transfer.IsQuarantined(d.Name()) {
			w.restore(r, path)
			return nil
		}
		s, ok, err := w.checkLocal(ctx, r, path, false)
		if ok {
			seen = append(seen, s)
		}
		return err
	})
	if err != nil {
		return seen, fmt.Errorf("couldn't scan %s of route %s: %w", dir, r.Name, err)
	}
	return seen, nil
}

// checkLocal looks at one local path (lstat only, never its contents).
// With announce unset it only reports closed files, for the caller to announce.
func (w *Watcher) checkLocal(ctx context.Context, r *route, path string, announce bool) (Seen, bool, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Seen{}, false, nil // renamed or deleted since it was listed
	}
	if err != nil {
		w.deps.Log.Warn("couldn't stat file; skipping it", "route", r.Name, "path", path, "err", err)
		return Seen{}, false, nil
	}
	rel, err := filepath.Rel(r.root, path)
	if err != nil {
		return Seen{}, false, fmt.Errorf("couldn't make %s relative to %s: %w", path, r.root, err)
	}
	c := Candidate{Rel: filepath.ToSlash(rel), Mode: fi.Mode(), Size: fi.Size(), ModTime: fi.ModTime()}
	c.Ino, c.CTime = inodeOf(fi)
	return w.consider(ctx, r, c, path, announce)
}

// consider decides about a candidate and acts: announce (if asked), warn, or
// (for a local path while Run runs) schedule a re-check. It reports closed
// files as Seen.
func (w *Watcher) consider(ctx context.Context, r *route, c Candidate, path string, announce bool) (Seen, bool, error) {
	d := r.rules.Decide(c, w.deps.Now(), r.MinAge)
	switch d.Verdict {
	case Skip:
		w.skip(r, c.Rel, d.Reason)
	case Young:
		if path != "" {
			w.recheckAfter(r, path, d.Wait)
		}
	case Closed:
		f := c.File()
		if !announce {
			return Seen{Route: r.Name, Host: r.Host, File: f}, true, nil
		}
		if err := w.announce(ctx, r, f, w.cfg.StaleAfter); err != nil {
			return Seen{}, false, err
		}
		return Seen{Route: r.Name, Host: r.Host, File: f}, true, nil
	}
	return Seen{}, false, nil
}

// restore puts back a file a verifier renamed to a private name to delete
// it and then crashed (see transfer.RestoreQuarantined): under its own name
// it is announced, verified and deleted again, or kept if it is not the
// file that was verified.
func (w *Watcher) restore(r *route, path string) {
	rel, err := filepath.Rel(r.root, path)
	if err != nil {
		return
	}
	restored, err := transfer.RestoreQuarantined(r.root, filepath.ToSlash(rel), w.cfg.QuarantineGrace)
	switch {
	case err != nil:
		w.deps.Log.Warn("couldn't restore a file left by an interrupted delete", "route", r.Name, "path", rel, "err", err)
	case restored != "":
		w.deps.Log.Info("restored a file left by an interrupted delete", "route", r.Name, "path", restored)
	}
}
