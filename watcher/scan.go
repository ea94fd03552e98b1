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
)

// found collects what a walk finds.
type found struct {
	seen     []Seen
	problems []Problem
}

// Scan makes one pass over every route and returns every closed file found,
// announced now or already known (in any ledger state), and the problems
// that keep other files from being moved. Files still too young for min_age
// are not closed yet and are left out. A failing route does not stop the
// others; their errors are joined.
func (w *Watcher) Scan(ctx context.Context) ([]Seen, []Problem, error) {
	w.republish(ctx)
	var all found
	var errs []error
	for _, r := range w.routes {
		var f found
		var err error
		idleAt := w.idleSince(ctx, r)
		if r.root == "" {
			err = w.scanRemote(ctx, r, &f)
		} else {
			err = w.scanLocal(ctx, r, r.root, &f)
		}
		if aerr := w.announceAll(ctx, r, f.seen, idleAt); aerr != nil {
			err = errors.Join(err, aerr)
		}
		all.seen = append(all.seen, f.seen...)
		all.problems = append(all.problems, f.problems...)
		if err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return all.seen, all.problems, errors.Join(errs...)
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
func (w *Watcher) scanLocal(ctx context.Context, r *route, dir string, out *found) error {
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
				w.unreadable(r, path, err, out)
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
		return w.checkLocal(ctx, r, path, false, out)
	})
	if err != nil {
		return fmt.Errorf("couldn't scan %s of route %s: %w", dir, r.Name, err)
	}
	return nil
}

// checkLocal looks at one local path (lstat only, never its contents).
// With announce unset it only reports closed files, for the caller to announce.
func (w *Watcher) checkLocal(ctx context.Context, r *route, path string, announce bool, out *found) error {
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
	return w.consider(ctx, r, c, path, announce, out)
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
	w.deps.Log.Warn("couldn't read entry; skipping it", "route", r.Name, "path", rel, "err", err)
	out.problems = append(out.problems, Problem{Route: r.Name, Path: filepath.ToSlash(rel), Reason: ReasonUnreadable,
		Detail: err.Error()})
}

// consider decides about a candidate and acts: announce (if asked), skip, or
// (for a local path while Run runs) schedule a re-check. Closed files go to
// out.seen, refused ones to out.problems.
func (w *Watcher) consider(ctx context.Context, r *route, c Candidate, path string, announce bool, out *found) error {
	d := r.rules.Decide(c, w.deps.Now(), r.MinAge)
	switch d.Verdict {
	case Skip:
		w.skip(r, c.Rel, d.Reason, out)
	case Young:
		if path != "" {
			w.recheckAfter(r, path, d.Wait)
		}
	case Closed:
		f := c.File()
		if announce {
			if err := w.announce(ctx, r, f, w.cfg.StaleAfter); err != nil {
				return err
			}
		}
		out.seen = append(out.seen, Seen{Route: r.Name, Host: r.Host, File: f})
	}
	return nil
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
