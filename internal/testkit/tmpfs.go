package testkit

import (
	"fmt"
	"os"
	"syscall"
	"testing"
)

// MountTmpfs mounts a tmpfs of size bytes at dir (made if missing) until
// the test ends: cleanups run last first, so after the processes that use
// it are gone. It reports false, saying why, where mounting is not allowed
// (not root, or no CAP_SYS_ADMIN in a container).
func MountTmpfs(tb testing.TB, dir string, size int64) bool {
	tb.Helper()
	if os.Geteuid() != 0 {
		return false
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		tb.Logf("couldn't mount a tmpfs at %s: %v", dir, err)
		return false
	}
	tb.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			tb.Logf("umount %s: %v; detaching it", dir, err)
			_ = syscall.Unmount(dir, syscall.MNT_DETACH)
		}
	})
	return true
}
