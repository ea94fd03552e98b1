package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/relpath"
	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/cache"
	"github.com/rclone/rclone/fs/fspath"
	"github.com/rclone/rclone/fs/hash"
	"github.com/rclone/rclone/fs/walk"
)

// FileInfo describes one file of a source.
type FileInfo struct {
	Path    string // slash-separated, relative to the source's root
	Size    int64
	ModTime time.Time
	// Identity of the object, where the backend has one; zero when unknown.
	Dev, Ino uint64    // local files (from fstat/lstat)
	CTime    time.Time // local files: status-change time
	// Tag tells remote objects apart: ID, version or the backend's stored
	// hash. Identity only, never evidence that bytes match.
	Tag string
}

// Source is where files come from. Every method taking rel runs relpath.Check
// on it first. A missing file wraps fault.ErrSourceMissing.
type Source interface {
	// Walk calls fn for every regular file under the root, recursively
	// (with a local file's identity; a remote object's Tag is left empty);
	// symlinks and other non-regular files are skipped. Names are reported
	// as found, even ones relpath.Check rejects, so the caller can report them
	// instead of losing them silently. An error may follow calls to fn: a
	// local Walk reports what it could read, then what it could not.
	Walk(ctx context.Context, fn func(FileInfo) error) error
	Stat(ctx context.Context, rel string) (FileInfo, error)
	Open(ctx context.Context, rel string) (io.ReadCloser, FileInfo, error)
	// Remove removes rel only if it is still exactly hashed (else it wraps
	// fault.ErrSourceChanged) and, where that can be seen, no process has it
	// open for writing (else fault.ErrSourceBusy). Each lastCheck runs right
	// before the delete, with a local file already moved aside to its
	// private name: an error keeps the file. The verifier checks there that
	// the copy is still whole, which it would not be if the copy were the
	// source seen through some other path (a FUSE or overlay view, a link
	// on a server).
	Remove(ctx context.Context, rel string, hashed FileInfo, lastChecks ...LastCheck) error
	String() string
}

var (
	_ Source = (*localSource)(nil)
	_ Source = (*remoteSource)(nil)
)

// OpenSource opens spec with rclone's own reading of it: a path is local
// unless a ':' comes before any '/' ("remote:path", ":backend:path"). A
// local path gets OpenLocalSource and its os.Root guarantees; ":local:/dir"
// is rclone's local backend, without them.
func OpenSource(ctx context.Context, spec string) (Source, error) {
	remote, err := isRemote(spec)
	if err != nil {
		return nil, err
	}
	if remote {
		return OpenRemoteSource(ctx, spec)
	}
	return OpenLocalSource(spec)
}

func isRemote(spec string) (bool, error) {
	parsed, err := fspath.Parse(spec)
	if err != nil {
		return false, fmt.Errorf("couldn't parse source %q: %w: %w", spec, err, fault.ErrInvalid)
	}
	return parsed.Name != "", nil
}

// remoteSource is any rclone remote. It has no os.Root to lean on; the
// backend's own path handling keeps rel under its root.
type remoteSource struct {
	f fs.Fs
}

// OpenRemoteSource opens an rclone "remote:path" as a source. Init must have
// been called. Symlinks are never followed (see withoutLinks).
func OpenRemoteSource(ctx context.Context, remote string) (Source, error) {
	f, err := cache.Get(ctx, remote)
	if errors.Is(err, fs.ErrorIsFile) {
		return nil, fmt.Errorf("couldn't open source %q: it is a file: %w", remote, fault.ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("couldn't open source %q: %w", remote, err)
	}
	if f, err = withoutLinks(ctx, f); err != nil {
		return nil, fmt.Errorf("couldn't open source %q: %w", remote, err)
	}
	return &remoteSource{f: f}, nil
}

func (s *remoteSource) String() string { return fs.ConfigString(s.f) }

func (s *remoteSource) Walk(ctx context.Context, fn func(FileInfo) error) error {
	// includeAll: no rclone filters in ctx may hide a file from ferry's own rules.
	err := walk.ListR(ctx, s.f, "", true, -1, walk.ListObjects, func(entries fs.DirEntries) error {
		for _, e := range entries {
			if o, ok := e.(fs.Object); ok {
				// No Tag: on S3 a multipart object's stored MD5 costs a HEAD,
				// per object per scan. Stat and Open read it.
				if err := fn(FileInfo{Path: o.Remote(), Size: o.Size(), ModTime: o.ModTime(ctx)}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("couldn't walk %s: %w", s, err)
	}
	return nil
}

func (s *remoteSource) Stat(ctx context.Context, rel string) (FileInfo, error) {
	o, err := s.object(ctx, rel)
	if err != nil {
		return FileInfo{}, err
	}
	fi, err := remoteInfo(ctx, o)
	if err != nil {
		return FileInfo{}, s.fail("stat", rel, err)
	}
	return fi, nil
}

func (s *remoteSource) Open(ctx context.Context, rel string) (io.ReadCloser, FileInfo, error) {
	o, err := s.object(ctx, rel)
	if err != nil {
		return nil, FileInfo{}, err
	}
	fi, err := remoteInfo(ctx, o)
	if err != nil {
		return nil, FileInfo{}, s.fail("open", rel, err)
	}
	rc, err := o.Open(ctx)
	if err != nil {
		return nil, FileInfo{}, s.fail("open", rel, err)
	}
	return rc, fi, nil
}

// Remove reads the object again right before deleting it and refuses if it
// is not the one hashed. rclone's Remove takes no precondition (no S3
// If-Match, no version id unless the remote lists versions), so a writer
// replacing the object between that read and the delete is not caught; on a
// versioned bucket the replaced bytes survive as a noncurrent version. No
// writer can be seen on a remote: nothing here returns fault.ErrSourceBusy.
func (s *remoteSource) Remove(ctx context.Context, rel string, hashed FileInfo, lastChecks ...LastCheck) error {
	o, err := s.object(ctx, rel)
	if err != nil {
		return err
	}
	now, err := remoteInfo(ctx, o)
	if err != nil {
		return s.fail("remove", rel, err)
	}
	if !now.SameObject(hashed) {
		return fmt.Errorf("couldn't remove %s in %s: it is not the object hashed (now %s, hashed %s): %w",
			rel, s, now.describe(), hashed.describe(), fault.ErrSourceChanged)
	}
	if err := runLastChecks(ctx, lastChecks); err != nil {
		return fmt.Errorf("couldn't remove %s in %s: %w", rel, s, err)
	}
	if err := o.Remove(ctx); err != nil {
		return s.fail("remove", rel, err)
	}
	return nil
}

func (s *remoteSource) object(ctx context.Context, rel string) (fs.Object, error) {
	if err := relpath.Check(rel); err != nil {
		return nil, err
	}
	o, err := s.f.NewObject(ctx, rel)
	if err != nil {
		return nil, s.fail("stat", rel, err)
	}
	return o, nil
}

func (s *remoteSource) fail(op, rel string, err error) error {
	switch {
	case errors.Is(err, fs.ErrorObjectNotFound):
		return fmt.Errorf("couldn't %s %s in %s: %w: %w", op, rel, s, err, fault.ErrSourceMissing)
	case errors.Is(err, fs.ErrorIsDir), errors.Is(err, fs.ErrorNotAFile):
		return fmt.Errorf("couldn't %s %s in %s: %w: %w", op, rel, s, err, fault.ErrInvalid)
	}
	return fmt.Errorf("couldn't %s %s in %s: %w", op, rel, s, err)
}

func remoteInfo(ctx context.Context, o fs.Object) (FileInfo, error) {
	tag, err := remoteTag(ctx, o)
	if err != nil {
		return FileInfo{}, err
	}
	return FileInfo{Path: o.Remote(), Size: o.Size(), ModTime: o.ModTime(ctx), Tag: tag}, nil
}

// remoteTag is what the backend knows that tells two objects of one name
// apart: its ID and its stored hash. Backends whose Hash reads the whole
// object (SlowHash: local, sftp) give no hash here; size and mtime must do.
// On S3 the stored MD5 of a multipart upload costs a HEAD per object.
func remoteTag(ctx context.Context, o fs.Object) (string, error) {
	var tag string
	if ider, ok := o.(fs.IDer); ok && ider.ID() != "" {
		tag = "id:" + ider.ID()
	}
	if path, ok := localPath(o); ok {
		// rclone's local backend has no ID: the inode tells a file renamed
		// over the name (same size and mtime) from the one hashed.
		st, err := os.Lstat(path)
		if err != nil {
			return "", fmt.Errorf("couldn't stat %s: %w", o.Remote(), err)
		}
		dev, ino, ctime := StatIdentity(st)
		return fmt.Sprintf("inode:%d:%d:%d", dev, ino, ctime.UnixNano()), nil
	}
	if o.Fs().Features().SlowHash {
		return tag, nil
	}
	for _, t := range o.Fs().Hashes().Array() {
		h, err := o.Hash(ctx, t)
		if errors.Is(err, hash.ErrUnsupported) || (err == nil && h == "") {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("couldn't read the stored %s of %s: %w", t, o.Remote(), err)
		}
		if tag != "" {
			tag += " "
		}
		return tag + t.String() + ":" + h, nil
	}
	return tag, nil
}

// LastCheck is a check Remove runs right before it deletes; see Source.Remove.
type LastCheck func(ctx context.Context) error

func runLastChecks(ctx context.Context, checks []LastCheck) error {
	for _, check := range checks {
		if err := check(ctx); err != nil {
			return err
		}
	}
	return nil
}
