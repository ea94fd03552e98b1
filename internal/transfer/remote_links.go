package transfer

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/rclone/rclone/backend/local"
	"github.com/rclone/rclone/backend/sftp"
	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/cache"
	"github.com/rclone/rclone/fs/fspath"
)

// withoutLinks returns a remote source's Fs as one that never follows a
// symlink, for the backends that have them. rclone's sftp backend follows
// them when listing unless skip_links is set, and both sftp and local
// resolve any path through a symlinked directory (the server or the kernel
// does). So the backend is told to skip links in listings (local:
// copy_links and links off too, whatever the environment says), and
// linkFree refuses any path its listings do not show.
func withoutLinks(ctx context.Context, f fs.Fs) (fs.Fs, error) {
	var opts string
	switch f.(type) {
	case *sftp.Fs:
		opts = "skip_links=true"
	case *local.Fs:
		opts = "skip_links=true,copy_links=false,links=false"
	default:
		return f, nil // object stores have no symlinks
	}
	nf, err := withOptions(ctx, f, opts)
	if err != nil {
		return nil, fmt.Errorf("couldn't reopen %s without symlinks: %w", fs.ConfigString(f), err)
	}
	return linkFree{nf}, nil
}

// withOptions opens f again with more backend options ("k=v,k2=v2"),
// through its full connection string.
func withOptions(ctx context.Context, f fs.Fs, opts string) (fs.Fs, error) {
	parsed, err := fspath.Parse(fs.ConfigStringFull(f))
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(parsed.ConfigString, ":")
	if name == "" { // a bare local path
		name = ":local"
	}
	return cache.Get(ctx, name+","+opts+":"+parsed.Path)
}

// linkFree is an Fs that finds an object only where its own listings show
// it: every directory on the way and the object itself. With links skipped
// in listings, no path through a symlink resolves. The cost is a listing of
// each directory on the path, per lookup.
type linkFree struct {
	fs.Fs
}

func (f linkFree) NewObject(ctx context.Context, remote string) (fs.Object, error) {
	if err := f.listed(ctx, remote); err != nil {
		return nil, err
	}
	return f.Fs.NewObject(ctx, remote)
}

func (f linkFree) listed(ctx context.Context, remote string) error {
	elems := strings.Split(remote, "/")
	dir := ""
	for i, elem := range elems {
		entries, err := f.List(ctx, dir)
		if errors.Is(err, fs.ErrorDirNotFound) {
			return fmt.Errorf("%s: %w", dir, fs.ErrorObjectNotFound)
		}
		if err != nil {
			return err
		}
		want, last := path.Join(dir, elem), i == len(elems)-1
		if !hasEntry(entries, want, last) {
			return fmt.Errorf("%s is not listed (missing, or a symlink): %w", want, fs.ErrorObjectNotFound)
		}
		dir = want
	}
	return nil
}

// hasEntry says whether entries hold remote as an object (or, if !object,
// as a directory).
func hasEntry(entries fs.DirEntries, remote string, object bool) bool {
	for _, e := range entries {
		if e.Remote() != remote {
			continue
		}
		_, isObject := e.(fs.Object)
		return isObject == object
	}
	return false
}
