package transfer

import (
	"os"
	"syscall"
	"time"
)

// statIdentity is the device, inode and status-change time of st.
func statIdentity(st os.FileInfo) (dev, ino uint64, ctime time.Time) {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, time.Time{}
	}
	return uint64(sys.Dev), sys.Ino, time.Unix(sys.Ctim.Unix())
}
