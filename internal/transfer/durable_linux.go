package transfer

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// syncFilesystem flushes everything written to the filesystem holding
// dir (syncfs(2)); a test counts the calls through it.
var syncFilesystem = func(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Syncfs(int(f.Fd()))
}

// fsIocGetVersion is FS_IOC_GETVERSION, _IOR('v', 1, long), which x/sys
// does not name.
const fsIocGetVersion = 2<<30 | uintptr(unsafe.Sizeof(int(0)))<<16 | 'v'<<8 | 1

// dirGeneration is the inode number and generation of the directory at
// path (not a symlink). A filesystem gives an inode a new generation each
// time it hands it out (ext4: a random one), so a directory removed and
// made again differs even with its old inode number, while one that only
// gains entries keeps it. ok is false where the filesystem does not say.
func dirGeneration(path string) (ino, gen uint64, ok bool) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, 0, false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return 0, 0, false
	}
	var v uint64 // the kernel writes an int or a long: either fits
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), fsIocGetVersion, uintptr(unsafe.Pointer(&v))); errno != 0 {
		return 0, 0, false
	}
	return st.Ino, v, true
}
