package transfer

import (
	"io/fs"
	"syscall"
	"time"
)

// statIdentity is the device, inode and ctime in an lstat or fstat.
func statIdentity(fi fs.FileInfo) (dev, ino uint64, ctime time.Time) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, time.Time{}
	}
	return uint64(st.Dev), uint64(st.Ino), time.Unix(st.Ctim.Unix())
}
