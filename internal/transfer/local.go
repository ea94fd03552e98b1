package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/ferrydata/ferry/internal/fault"
)

// localSource is a directory read through os.Root, so no path, symlink or
// race can make it read or remove anything outside the directory.
type localSource struct {
	root *os.Root
	dir  string
}

// OpenLocalSource opens the directory dir as a source.
func OpenLocalSource(dir string) (Source, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("couldn't open source dir: %w", err)
	}
	return &localSource{root: root, dir: dir}, nil
}

func (s *localSource) String() string { return s.dir }

// Walk keeps going past a directory it cannot read, so one bad directory
// does not hide the rest, and returns those errors joined at the end.
func (s *localSource) Walk(ctx context.Context, fn func(FileInfo) error) error {
	var errs []error
	err := fs.WalkDir(s.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		if !d.Type().IsRegular() {
			return nil // directories are walked; symlinks, FIFOs, devices skipped
		}
		// Through the root, not d.Info(), which lstats by a path name.
		fi, err := s.root.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil // gone since the directory was read
		case err != nil:
			errs = append(errs, err)
			return nil
		case !fi.Mode().IsRegular():
			return nil
		}
		return fn(FileInfo{Path: p, Size: fi.Size(), ModTime: fi.ModTime()})
	})
	if err != nil {
		return fmt.Errorf("couldn't walk %s: %w", s, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("couldn't walk all of %s: %w", s, errors.Join(errs...))
	}
	return nil
}

func (s *localSource) Stat(_ context.Context, rel string) (FileInfo, error) {
	fi, err := s.lstat("stat", rel)
	if err != nil {
		return FileInfo{}, err
	}
	return FileInfo{Path: rel, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Open opens rel only if it is the regular file that was lstat'ed: the
// lstat keeps a FIFO or device from being opened at all, O_NONBLOCK keeps
// one swapped in meanwhile from blocking, and the fstat catches the swap.
func (s *localSource) Open(_ context.Context, rel string) (io.ReadCloser, FileInfo, error) {
	before, err := s.lstat("open", rel)
	if err != nil {
		return nil, FileInfo{}, err
	}
	f, err := s.root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, FileInfo{}, s.fail("open", rel, err)
	}
	after, err := f.Stat()
	switch {
	case err != nil:
		err = s.fail("open", rel, err)
	case !after.Mode().IsRegular():
		err = fmt.Errorf("couldn't open %s in %s: it became a %s: %w", rel, s, kind(after.Mode()), fault.ErrInvalid)
	case !os.SameFile(before, after):
		err = fmt.Errorf("couldn't open %s in %s: replaced while being opened: %w", rel, s, fault.ErrSourceChanged)
	}
	if err != nil {
		_ = f.Close()
		return nil, FileInfo{}, err
	}
	return f, FileInfo{Path: rel, Size: after.Size(), ModTime: after.ModTime()}, nil
}

// Remove unlinks rel if it is a regular file; unlinking never follows a
// symlink, and os.Root keeps the parents inside the root.
func (s *localSource) Remove(_ context.Context, rel string) error {
	if _, err := s.lstat("remove", rel); err != nil {
		return err
	}
	if err := s.root.Remove(rel); err != nil {
		return s.fail("remove", rel, err)
	}
	return nil
}

// lstat returns rel's info if rel is a regular file reached without any
// symlink. os.Root already refuses symlinks leading out of the root; those
// staying inside are refused too, so rel names the one file Walk reports.
func (s *localSource) lstat(op, rel string) (fs.FileInfo, error) {
	if err := ValidPath(rel); err != nil {
		return nil, err
	}
	for i := range len(rel) {
		if rel[i] != '/' {
			continue
		}
		fi, err := s.root.Lstat(rel[:i])
		if err != nil {
			return nil, s.fail(op, rel, err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("couldn't %s %s in %s: %s is a symlink: %w", op, rel, s, rel[:i], fault.ErrInvalid)
		}
		if !fi.IsDir() {
			return nil, s.fail(op, rel, syscall.ENOTDIR)
		}
	}
	fi, err := s.root.Lstat(rel)
	if err != nil {
		return nil, s.fail(op, rel, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("couldn't %s %s in %s: it is a %s, not a regular file: %w", op, rel, s, kind(fi.Mode()), fault.ErrInvalid)
	}
	return fi, nil
}

// fail wraps err; a missing file is fault.ErrSourceMissing, anything else
// (permission denied included) stays retryable.
func (s *localSource) fail(op, rel string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return fmt.Errorf("couldn't %s %s in %s: %w: %w", op, rel, s, err, fault.ErrSourceMissing)
	}
	return fmt.Errorf("couldn't %s %s in %s: %w", op, rel, s, err)
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m.IsRegular():
		return "regular file"
	}
	return "irregular file"
}
