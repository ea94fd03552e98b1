package faults

import (
	"os"
	"sort"
	"time"
)

// waitForCopies gives the mover, when it runs apart from the stopped
// verifier, up to 10 seconds to leave copies waiting for verification.
func (c *campaign) waitForCopies() {
	if c.d.topo != topoRoles {
		return
	}
	c.waitUntil(10*time.Second, func() bool {
		c.h.mu.Lock()
		defer c.h.mu.Unlock()
		return len(c.copiedNotVerified()) > 0
	})
}

// copiedNotVerified lists closed files whose source is still there and
// whose destination holds the same bytes: copied, not yet verified.
func (c *campaign) copiedNotVerified() []string {
	var out []string
	for rel, f := range c.h.closed {
		if f.corrupted || f.size == 0 {
			continue
		}
		if _, err := os.Lstat(c.s.path(rel)); err != nil {
			continue
		}
		if got, err := hashFile(c.s.dstPath(rel)); err == nil && got == f.sha {
			out = append(out, rel)
		}
	}
	sort.Strings(out)
	return out
}

// corrupt flips one byte of up to two copies not yet verified, keeping their
// size and mtime, with no verification in flight. Their sources must be kept
// and their files dead-lettered.
func (c *campaign) corrupt() bool {
	if c.outage {
		return false
	}
	restart := c.stopVerifier()
	defer restart()
	c.waitForCopies()
	c.a.world.Lock()
	defer c.a.world.Unlock()
	c.h.mu.Lock()
	defer c.h.mu.Unlock()
	cands := c.copiedNotVerified()
	if len(cands) == 0 {
		c.logf("corrupt: no copy waiting for verification")
		return false
	}
	for range min(2, len(cands)) {
		rel := cands[c.rng.IntN(len(cands))]
		if c.h.closed[rel].corrupted {
			continue
		}
		flipByte(c, c.s.dstPath(rel))
		c.h.closed[rel].corrupted = true
		c.logf("corrupted the copy of %s", rel)
	}
	return true
}

func flipByte(c *campaign, p string) {
	fi, err := os.Stat(p)
	if err != nil {
		c.t.Fatal(err)
	}
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		c.t.Fatal(err)
	}
	defer f.Close()
	b := []byte{0}
	off := fi.Size() / 2
	if _, err := f.ReadAt(b, off); err != nil {
		c.t.Fatal(err)
	}
	b[0] ^= 0x20
	if _, err := f.WriteAt(b, off); err != nil {
		c.t.Fatal(err)
	}
	if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
		c.t.Fatal(err)
	}
}

// rewrite overwrites one closed source, preferably one already copied, with
// no verification in flight; half the time keeping its size and mtime.
func (c *campaign) rewrite() bool {
	restart := c.stopVerifier()
	defer restart()
	c.waitForCopies()
	c.h.mu.Lock()
	cands := c.copiedNotVerified()
	if len(cands) == 0 {
		for rel, f := range c.h.closed {
			if _, err := os.Lstat(c.s.path(rel)); err == nil && !f.corrupted && f.size > 0 {
				cands = append(cands, rel)
			}
		}
		sort.Strings(cands)
	}
	c.h.mu.Unlock()
	if len(cands) == 0 {
		return false
	}
	rel := cands[c.rng.IntN(len(cands))]
	// A new size or mtime makes a new version of the file; one whose old
	// version is dead-lettered hangs `ferry run --once` (a known bug), so
	// those rewrites run only when known bugs are to fail the test.
	sneaky := c.rng.IntN(2) == 0
	if !c.h.rewrite(rel, sneaky, c.rng) {
		return false
	}
	c.logf("rewrote %s (same size and mtime: %v)", rel, sneaky)
	return true
}

// clockJump gives the next one to three closed files an mtime in the future
// (5 to 40 s: young until then) or the past (an hour to two years).
func (c *campaign) clockJump() bool {
	skew := 5*time.Second + c.pause(35*time.Second)
	if c.rng.IntN(2) == 0 {
		skew = -time.Hour - c.pause(2*365*24*time.Hour)
	}
	n := 1 + c.rng.IntN(3)
	c.h.clockJump(skew, n)
	c.logf("clock jump: next %d files closed %s off", n, skew)
	return true
}
