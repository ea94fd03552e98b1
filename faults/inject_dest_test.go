package faults

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// destOutage makes the destination directory unusable for 2 to 8 seconds:
// either a file stands where it was (every lookup fails, and a daemon
// starting meanwhile refuses to run), or a dangling symlink, as when the
// mount behind it is gone (lookups find nothing, writes fail).
func (c *campaign) destOutage() bool {
	if c.outage || c.full { // one destination fault at a time: a full one has no room for the stand-in
		return false
	}
	c.a.world.Lock()
	defer c.a.world.Unlock()
	away := c.s.dst + ".away"
	if err := os.Rename(c.s.dst, away); err != nil {
		c.t.Fatal(err)
	}
	how := "a file in its place"
	var err error
	if c.rng.IntN(2) == 0 {
		err = os.WriteFile(c.s.dst, []byte("destination unreachable"), 0o644)
	} else {
		how = "a dangling symlink in its place"
		err = os.Symlink(filepath.Join(c.s.dir, "no-such-mount"), c.s.dst)
	}
	if err != nil {
		c.t.Fatal(err)
	}
	c.outage = true
	c.logf("destination unreachable: %s", how)
	c.later(2*time.Second+c.pause(6*time.Second), func() {
		c.a.world.Lock()
		defer c.a.world.Unlock()
		if err := os.Remove(c.s.dst); err != nil {
			c.t.Fatal(err)
		}
		if err := os.Rename(away, c.s.dst); err != nil {
			c.t.Fatal(err)
		}
		c.outage = false
		c.logf("destination reachable again")
	})
	return true
}

// destFull takes every free byte of the destination's tmpfs for 2 to 6 seconds.
func (c *campaign) destFull() bool {
	if c.ballast == "" || c.full || c.outage {
		return false
	}
	free := fill(c, c.ballast)
	c.logf("destination full: %d bytes left", free)
	c.full = true
	c.later(2*time.Second+c.pause(4*time.Second), func() {
		if err := os.Remove(c.ballast); err != nil {
			c.t.Fatal(err)
		}
		c.full = false
		c.logf("destination has room again")
	})
	return true
}

// fill takes the free space of the file system holding path with a file
// there: most in one fallocate, the rest written until ENOSPC. It returns
// the bytes still free.
func fill(c *campaign, path string) int64 {
	f, err := os.Create(path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer f.Close()
	free := func() int64 {
		var st syscall.Statfs_t
		if err := syscall.Statfs(filepath.Dir(path), &st); err != nil {
			c.t.Fatal(err)
		}
		return int64(st.Bavail) * st.Bsize
	}
	size := free() - 1<<20
	for size > 0 && syscall.Fallocate(int(f.Fd()), 0, 0, size) != nil {
		size -= 1 << 20 // the file system's own bookkeeping wants some
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		c.t.Fatal(err)
	}
	block := make([]byte, 4096)
	for {
		if _, err := f.Write(block); err != nil {
			break // ENOSPC
		}
	}
	return free()
}
