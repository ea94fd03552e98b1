package transfer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"golang.org/x/sys/unix"
)

// testHookQuarantined, when set, runs between the rename to the private
// name and the unlink: tests crash there.
var testHookQuarantined func()

// Remove unlinks rel only if it is the file hashed and no writer has it open.
//
// The parent is opened without following symlinks and rel is opened there
// read-only; that descriptor's fstat must be hashed (device, inode, size,
// mtime, ctime), and it holds the writer guard. Then the name is renamed to
// a private one (see QuarantinePrefix), what the rename moved is checked to
// be that same inode (pinned by the descriptor, so its number cannot be
// reused) with size and mtime unchanged, and only the private name, which
// no one else uses, is unlinked. Anything else is renamed back. Where the
// filesystem has no renameat2 RENAME_NOREPLACE or the private name would be
// too long, the name is checked with fstatat and unlinked in place, which
// leaves a window of two system calls for a rename over it.
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
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return s.fail("remove", rel, err)
	}
	if now := statInfo(rel, &st); st.Mode&unix.S_IFMT != unix.S_IFREG || !now.SameObject(hashed) {
		return fmt.Errorf("couldn't remove %s in %s: it is not the file hashed (now %s, hashed %s): %w",
			rel, s, now.describe(), hashed.describe(), fault.ErrSourceChanged)
	}
	guard, err := guardWriters(fd, &st)
	if err != nil {
		return fmt.Errorf("couldn't remove %s in %s: %w", rel, s, err)
	}
	defer guard.release()
	rm := removal{ctx: ctx, s: s, rel: rel, dir: dir, name: name, st: &st, guard: guard, checks: lastChecks}
	if priv, ok := quarantineName(name); ok {
		err := unix.Renameat2(dir, name, dir, priv, unix.RENAME_NOREPLACE)
		if err == nil {
			return rm.quarantined(priv)
		}
		if !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOSYS) {
			return s.fail("remove", rel, err)
		}
	}
	return rm.inPlace()
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
	err := unix.Renameat2(rm.dir, priv, rm.dir, rm.name, unix.RENAME_NOREPLACE)
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
