//go:build unix

package metrics

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// fsSpace returns the bytes available to unprivileged users (what df
// shows as Avail: a crawler does not write as root) and the size of the
// file system holding path.
func fsSpace(path string) (free, size uint64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, 0, fmt.Errorf("couldn't statfs %s: %w", path, err)
	}
	bs := uint64(st.Bsize) //nolint:gosec // a block size is positive
	return st.Bavail * bs, st.Blocks * bs, nil
}
