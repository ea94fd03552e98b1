package watcher

import (
	"io/fs"
	"syscall"
	"time"
)

// inodeOf returns a local file's inode and status-change time from its
// lstat, or zeros where the platform does not say.
func inodeOf(fi fs.FileInfo) (uint64, time.Time) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, time.Time{}
	}
	return st.Ino, time.Unix(int64(st.Ctim.Sec), int64(st.Ctim.Nsec))
}
