package transfer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"golang.org/x/sys/unix"
)

// testHookQuarantined, when set, runs between the rename to the private
// name and the unlink: tests crash there.
var testHookQuarantined func()

// testHookOpened, when set, runs between a Remove's open and its fstat:
// tests move the file there, as another verifier of it would.
var testHookOpened func()

// Remove unlinks rel only if it is the file hashed and no writer has it open.
//
// The parent is opened without following symlinks and rel is opened there
// read-only; that descriptor's fstat must be hashed (device, inode, size,
// mtime, ctime), and it holds the writer guard. Then the name is renamed to
// a private one (see QuarantinePrefix), what the rename moved is checked to
// be that same inode (pinned by the descriptor, so its number cannot be
// reused) with size and mtime unchanged, and only the private name, which
// no one else uses, is unlinked. Anything else is renamed back. The last
// checks run with the file at its private name. Where the filesystem has no
// renameat2 RENAME_NOREPLACE (NFS, CIFS, FUSE), a hard link and an unlink
// move it aside instead (see renameAside); where it has neither, or where
// the private name would be too long and there are no last checks, the
// name is checked with fstatat and unlinked in place, which leaves a window
// of two system calls for a rename over it. A name too long to move aside
// is not deleted at all when there are last checks.
func (s *localSource) Remove(ctx context.Context, rel string, hashed FileInfo, lastChecks ...LastCheck) error {
	if _, err := s.lstat("remove", rel); err != nil {
		return err // the reasons a path is refused, as Stat and Open give them
	}
	dir, name, err := openParent(s.root, rel)
	if err != nil {
		return s.changed(rel, "its directory", err)
	}
	defer unix.Close(dir)
	fd, err := unix.Openat(dir, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return s.changed(rel, "it", err)
	}
	defer unix.Close(fd)
	if testHookOpened != nil {
		testHookOpened()
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return s.fail("remove", rel, err)
	}
	if now := statInfo(rel, &st); st.Mode&unix.S_IFMT != unix.S_IFREG || !now.SameObject(hashed) {
		if movedAway(dir, name) {
			// Another verifier of this file moved it aside (a rename
			// changes ctime) between this open and its fstat: not a change
			// of the file. The retry finds it gone, or back at its name.
			return s.fail("remove", rel, fmt.Errorf("it was moved away while being removed: %w", fs.ErrNotExist))
		}
		return fmt.Errorf("couldn't remove %s in %s: it is not the file hashed (now %s, hashed %s): %w",
			rel, s, now.describe(), hashed.describe(), fault.ErrSourceChanged)
	}
	guard, err := guardWriters(fd, &st)
	if err != nil {
		return fmt.Errorf("couldn't remove %s in %s: %w", rel, s, err)
	}
	defer guard.release()
	rm := removal{ctx: ctx, s: s, rel: rel, dir: dir, name: name, st: &st, guard: guard, checks: lastChecks}
	priv, ok := quarantineName(name)
	if !ok {
		if len(lastChecks) > 0 {
			// The last checks mean something only with the file moved aside.
			return fmt.Errorf("couldn't remove %s in %s: its name is too long to move it aside first, and ferry "+
				"does not delete a file it has not moved aside: %w", rel, s, fault.ErrInvalid)
		}
		return rm.inPlace()
	}
	err = renameAside(dir, name, priv, &st)
	switch {
	case err == nil:
		return rm.quarantined(priv)
	case errors.Is(err, errNoRenameAside):
		return rm.inPlace()
	}
	return s.fail("remove", rel, err)
}

// movedAway reports whether name is gone from dir: the file just opened
// by it was renamed away (or deleted) since.
func movedAway(dir int, name string) bool {
	var q unix.Stat_t
	err := unix.Fstatat(dir, name, &q, unix.AT_SYMLINK_NOFOLLOW)
	return errors.Is(err, unix.ENOENT)
}

// errNoRenameAside: the filesystem can neither rename without replacing
// nor hard-link (some FUSE filesystems).
var errNoRenameAside = errors.New("no way to move a file aside without replacing")

// renameAside gives the file at name (whose stat is st) the private name
// priv and drops name, never replacing anything: renameat2 NOREPLACE where
// the filesystem has it; where it has not (NFS, CIFS, FUSE give EINVAL), a
// hard link to priv, then the unlink of name if it is still that file (a
// window of two system calls, as an in-place delete has).
func renameAside(dir int, name, priv string, st *unix.Stat_t) error {
	err := unix.Renameat2(dir, name, dir, priv, unix.RENAME_NOREPLACE)
	if !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOSYS) {
		return err
	}
	if err := unix.Linkat(dir, name, dir, priv, 0); err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS) {
			return errNoRenameAside
		}
		return err
	}
	var now unix.Stat_t
	err = unix.Fstatat(dir, name, &now, unix.AT_SYMLINK_NOFOLLOW)
	if err == nil && (now.Dev != st.Dev || now.Ino != st.Ino) {
		err = fmt.Errorf("%s was replaced while it was moved aside", name)
	}
	if err == nil {
		err = unix.Unlinkat(dir, name, 0)
	}
	if err != nil {
		_ = unix.Unlinkat(dir, priv, 0) // only the link just made: the file keeps its name
		return err
	}
	return nil
}

// putBack gives priv its name again without replacing whatever took the
// name meanwhile: renameat2 NOREPLACE, or link and unlink where the
// filesystem lacks it. An existing name is EEXIST; the file stays at priv.
func putBack(dir int, priv, name string) error {
	err := unix.Renameat2(dir, priv, dir, name, unix.RENAME_NOREPLACE)
	if !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOSYS) {
		return err
	}
	if err := unix.Linkat(dir, priv, dir, name, 0); err != nil {
		return err
	}
	return unix.Unlinkat(dir, priv, 0)
}

// removal is one Remove past its checks on the open descriptor.
type removal struct {
	ctx       context.Context
	s         *localSource
	rel, name string
	dir       int
	st        *unix.Stat_t // of the descriptor, equal to hashed
	guard     *writerGuard
	checks    []LastCheck
}

// quarantined finishes a Remove whose file was renamed to priv.
func (rm removal) quarantined(priv string) error {
	if testHookQuarantined != nil {
		testHookQuarantined()
	}
	var q unix.Stat_t
	err := unix.Fstatat(rm.dir, priv, &q, unix.AT_SYMLINK_NOFOLLOW)
	switch {
	case err != nil:
		return rm.restore(priv, rm.s.fail("remove", rm.rel, err))
	case q.Dev != rm.st.Dev || q.Ino != rm.st.Ino || q.Size != rm.st.Size || q.Mtim != rm.st.Mtim:
		// Renamed over between the open and the rename, or written since.
		return rm.restore(priv, fmt.Errorf("couldn't remove %s in %s: replaced or changed just before the delete: %w",
			rm.rel, rm.s, fault.ErrSourceChanged))
	}
	if err := runLastChecks(rm.ctx, rm.checks); err != nil {
		return rm.restore(priv, fmt.Errorf("couldn't remove %s in %s: %w", rm.rel, rm.s, err))
	}
	if err := rm.guard.check(); err != nil {
		return rm.restore(priv, fmt.Errorf("couldn't remove %s in %s: %w", rm.rel, rm.s, err))
	}
	if err := unix.Unlinkat(rm.dir, priv, 0); err != nil {
		// Gone: RestoreQuarantined put it back (the job's retry finds it).
		return rm.restore(priv, rm.s.fail("remove", rm.rel, err))
	}
	return nil
}

// restore renames priv back to the file's name and returns cause; if the
// name was taken meanwhile, the file stays at priv and the error says so.
func (rm removal) restore(priv string, cause error) error {
	err := putBack(rm.dir, priv, rm.name)
	if err == nil || errors.Is(err, unix.ENOENT) {
		return cause
	}
	return fmt.Errorf("%w; couldn't rename it back, it stays as %s: %w", cause, priv, err)
}

// inPlace finishes a Remove where the file cannot be renamed aside.
func (rm removal) inPlace() error {
	var q unix.Stat_t
	if err := unix.Fstatat(rm.dir, rm.name, &q, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return rm.s.fail("remove", rm.rel, err)
	}
	if q.Dev != rm.st.Dev || q.Ino != rm.st.Ino || q.Size != rm.st.Size || q.Mtim != rm.st.Mtim || q.Ctim != rm.st.Ctim {
		return fmt.Errorf("couldn't remove %s in %s: replaced or changed just before the delete: %w",
			rm.rel, rm.s, fault.ErrSourceChanged)
	}
	if err := runLastChecks(rm.ctx, rm.checks); err != nil {
		return fmt.Errorf("couldn't remove %s in %s: %w", rm.rel, rm.s, err)
	}
	if err := rm.guard.check(); err != nil {
		return fmt.Errorf("couldn't remove %s in %s: %w", rm.rel, rm.s, err)
	}
	if err := unix.Unlinkat(rm.dir, rm.name, 0); err != nil {
		return rm.s.fail("remove", rm.rel, err)
	}
	return nil
}

// changed wraps a failure to open what lstat just found: gone is
// fault.ErrSourceMissing; a symlink or non-directory now in its place is
// fault.ErrSourceChanged.
func (s *localSource) changed(rel, what string, err error) error {
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
		return fmt.Errorf("couldn't remove %s in %s: %s was replaced: %w: %w", rel, s, what, err, fault.ErrSourceChanged)
	}
	return s.fail("remove", rel, err)
}

// statInfo is FileInfo from a unix.Stat_t, as localInfo makes it from an lstat.
func statInfo(rel string, st *unix.Stat_t) FileInfo {
	return FileInfo{
		Path: rel, Size: st.Size, ModTime: time.Unix(st.Mtim.Unix()),
		Dev: uint64(st.Dev), Ino: uint64(st.Ino), CTime: time.Unix(st.Ctim.Unix()),
	}
}
