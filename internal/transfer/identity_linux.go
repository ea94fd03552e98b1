package transfer

import (
	"io/fs"
	"syscall"
	"time"
)

// StatIdentity is the device, inode and ctime in an lstat or fstat (zeros
// where the platform does not say). The watcher records them too.
func StatIdentity(fi fs.FileInfo) (dev, ino uint64, ctime time.Time) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, time.Time{}
	}
	return uint64(st.Dev), uint64(st.Ino), time.Unix(st.Ctim.Unix())
}
