package faults

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// clockJump makes the next n closed files carry an mtime off by skew.
func (h *heritrix) clockJump(skew time.Duration, n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.skew, h.skewLeft = skew, n
}

// rewrite overwrites a closed file in place with new bytes, keeping its size
// and mtime when sneaky (only a hash tells), and updates the ground truth.
// It reports false if the file was gone (ferry moved it). A rewrite racing
// with ferry's delete leaves the truth as it was: a delete can only have
// followed a verification of the old bytes.
func (h *heritrix) rewrite(rel string, sneaky bool, rng *rand.Rand) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.closed[rel]
	p := filepath.Join(h.root, rel)
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	linked := func() bool {
		var st syscall.Stat_t
		return syscall.Fstat(int(f.Fd()), &st) == nil && st.Nlink > 0
	}
	if !linked() {
		return false
	}
	size := c.size
	if !sneaky {
		size = c.size + int64(rng.IntN(4096)) - 2048
		size = max(size, 1)
	}
	data := make([]byte, size)
	src := rand.NewChaCha8([32]byte{0xfe, byte(rng.Uint32()), byte(rng.Uint32())})
	_, _ = src.Read(data)
	if size == c.size && size > 0 {
		data[0] ^= 0xff // different bytes, whatever the draw
	}
	if err := f.Truncate(0); err != nil {
		h.t.Error(err)
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		h.t.Error(err)
	}
	if sneaky {
		if err := os.Chtimes(p, c.mtime, c.mtime); err != nil {
			h.t.Error(err)
		}
	}
	if !linked() {
		return false
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return false
	}
	sum := sha256.Sum256(data)
	c.sha, c.size, c.mtime, c.rewritten = hex.EncodeToString(sum[:]), fi.Size(), fi.ModTime(), true
	return true
}

// latestMTime is the latest mtime of any closed file: with min_age, no file
// is closed before it has passed.
func (h *heritrix) latestMTime() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	var latest time.Time
	for _, c := range h.closed {
		if c.mtime.After(latest) {
			latest = c.mtime
		}
	}
	return latest
}
