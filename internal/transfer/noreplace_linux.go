package transfer

import (
	"errors"

	"golang.org/x/sys/unix"
)

// renameNoReplace renames oldpath to newpath unless newpath exists, in one
// step: renameat2(RENAME_NOREPLACE). A filesystem or kernel without it
// (EINVAL, ENOSYS) gets link + unlink, which refuses an existing target just
// as atomically. An existing newpath is fs.ErrExist (EEXIST).
func renameNoReplace(oldpath, newpath string) error {
	err := unix.Renameat2(unix.AT_FDCWD, oldpath, unix.AT_FDCWD, newpath, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		return linkUnlink(oldpath, newpath)
	}
	return err
}
