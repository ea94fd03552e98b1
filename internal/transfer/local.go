package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"syscall"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/relpath"
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
		if !d.Type().IsRegular() || IsQuarantined(d.Name()) {
			return nil // directories are walked; symlinks, FIFOs, devices and files being removed skipped
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
		return fn(localInfo(p, fi))
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
	return localInfo(rel, fi), nil
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
	return f, localInfo(rel, after), nil
}

// lstat returns rel's info if rel is a regular file reached without any
// symlink. os.Root already refuses symlinks leading out of the root; those
// staying inside are refused too, so rel names the one file Walk reports.
func (s *localSource) lstat(op, rel string) (fs.FileInfo, error) {
	if err := s.valid(op, rel); err != nil {
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

// valid runs relpath.Check and refuses ferry's own names for files being removed.
func (s *localSource) valid(op, rel string) error {
	if err := relpath.Check(rel); err != nil {
		return err
	}
	if IsQuarantined(path.Base(rel)) {
		return fmt.Errorf("couldn't %s %s in %s: the name is ferry's, for a file being removed: %w", op, rel, s, fault.ErrInvalid)
	}
	return nil
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
