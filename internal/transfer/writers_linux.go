package transfer

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/ferrydata/ferry/internal/fault"
	"golang.org/x/sys/unix"
)

// tryLease is false only in tests of the /proc fallback.
var tryLease = true

// writerGuard proves, as well as this host can see, that no process has a
// file open for writing, from before a Remove's unlink until after it.
//
// First choice is a read lease (fcntl F_SETLEASE F_RDLCK) on a read-only
// descriptor: the kernel refuses it while any descriptor of the file is open
// for writing, and while it is held any open for writing by the file's name
// blocks and marks the lease as breaking, which check sees. It needs the
// file's owner or CAP_LEASE, and a filesystem that grants leases (NFS and
// FUSE may refuse).
// Where it cannot be taken, the fallback scans /proc/*/fd for a descriptor
// of the same device and inode opened for writing, before and again right
// before the unlink.
//
// Limits: processes on other hosts (an NFS client writing the same file)
// are invisible; without root the scan sees only processes it may read;
// a writer that mapped the file and closed its descriptor is not seen; and
// an open(2) that resolved the name just before Remove's rename but reaches
// the lease check after the unlink writes into the deleted inode (a window
// of one system call).
type writerGuard struct {
	fd       int
	dev, ino uint64
	leased   bool
}

// guardWriters takes the lease on fd (a read-only descriptor of the file
// with stat st) or, where leases are not available, scans /proc once.
func guardWriters(fd int, st *unix.Stat_t) (*writerGuard, error) {
	g := &writerGuard{fd: fd, dev: uint64(st.Dev), ino: uint64(st.Ino)}
	if tryLease {
		_, err := unix.FcntlInt(uintptr(fd), unix.F_SETLEASE, unix.F_RDLCK)
		switch {
		case err == nil:
			g.leased = true
			return g, nil
		case errors.Is(err, unix.EAGAIN):
			return nil, fmt.Errorf("it is open for writing (a read lease was refused): %w", fault.ErrSourceBusy)
		}
		// EPERM (not the owner, no CAP_LEASE), EINVAL or ENOLCK (NFS, FUSE,
		// leases disabled): ask /proc instead.
	}
	return g, g.check()
}

// check says whether a writer appeared since the guard was taken.
func (g *writerGuard) check() error {
	if g.leased {
		t, err := unix.FcntlInt(uintptr(g.fd), unix.F_GETLEASE, 0)
		if err != nil || t != unix.F_RDLCK {
			return fmt.Errorf("a process is opening it for writing (its lease is breaking): %w", fault.ErrSourceBusy)
		}
		return nil
	}
	pids := openWriters(g.dev, g.ino)
	if len(pids) > 0 {
		return fmt.Errorf("process %v has it open for writing: %w", pids, fault.ErrSourceBusy)
	}
	return nil
}

// release gives the lease up; a writer blocked on it goes on.
func (g *writerGuard) release() {
	if g.leased {
		_, _ = unix.FcntlInt(uintptr(g.fd), unix.F_SETLEASE, unix.F_UNLCK)
	}
}

// openWriters returns the processes holding a descriptor open for writing
// on the file dev:ino. Processes it may not inspect, or that exit while it
// looks, are skipped.
func openWriters(dev, ino uint64) []int {
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		dir := "/proc/" + p.Name()
		fds, err := os.ReadDir(dir + "/fd")
		if err != nil {
			continue
		}
		for _, fd := range fds {
			var st unix.Stat_t
			if unix.Stat(dir+"/fd/"+fd.Name(), &st) != nil || uint64(st.Dev) != dev || uint64(st.Ino) != ino {
				continue
			}
			if fdWrites(dir + "/fdinfo/" + fd.Name()) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// fdWrites reads the open flags in a /proc/PID/fdinfo/N file. Unreadable
// counts as writing: the descriptor is on the file and its mode unknown.
func fdWrites(fdinfo string) bool {
	b, err := os.ReadFile(fdinfo)
	if err != nil {
		return !errors.Is(err, os.ErrNotExist)
	}
	for line := range strings.Lines(string(b)) {
		v, ok := strings.CutPrefix(line, "flags:")
		if !ok {
			continue
		}
		flags, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32)
		return err != nil || flags&unix.O_ACCMODE != unix.O_RDONLY
	}
	return true
}
