package watcher

import (
	"context"
	"fmt"
	"strings"

	"github.com/ferrydata/ferry/internal/transfer"
)

// isRemote tells an rclone remote ("name:path", ":backend:path",
// "name,opt=x:path") from a local path the way rclone's fspath.Parse does:
// a ':' before any path separator. "/data/a:b" and "./a:b" stay local.
func isRemote(source string) bool {
	i := strings.IndexAny(source, `:/\`)
	return i >= 0 && source[i] == ':'
}

// source returns the route's remote source, opening it on first use: an
// unreachable remote at start-up then costs one failed listing, not the daemon.
func (w *Watcher) source(ctx context.Context, r *route) (transfer.Source, error) {
	w.mu.Lock()
	src := w.sources[r.Name]
	w.mu.Unlock()
	if src != nil {
		return src, nil
	}
	src, err := transfer.OpenSource(ctx, r.Source)
	if err != nil {
		return nil, fmt.Errorf("couldn't open source %s of route %s: %w", r.Source, r.Name, err)
	}
	w.mu.Lock()
	w.sources[r.Name] = src
	w.mu.Unlock()
	return src, nil
}

// scanRemote lists a remote source. Remotes have no symlinks or FIFOs and no
// change events: a young file is simply found again by the next listing.
func (w *Watcher) scanRemote(ctx context.Context, r *route, out *found) error {
	src, err := w.source(ctx, r)
	if err != nil {
		return err
	}
	err = src.Walk(ctx, func(fi transfer.FileInfo) error {
		c := Candidate{Rel: fi.Path, Mode: 0, Size: fi.Size, ModTime: fi.ModTime}
		return w.consider(ctx, r, c, "", out)
	})
	if err != nil {
		return fmt.Errorf("couldn't list source %s of route %s: %w", r.Source, r.Name, err)
	}
	return nil
}
