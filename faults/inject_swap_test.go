package faults

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/ferrydata/ferry/internal/testkit"
)

// swap renames another file over a closed file whose copy is whole and not
// yet verified, with the verifier frozen (SIGSTOP) at that moment: at best
// while it holds the file open to hash it, so the bytes it hashes are no
// longer the bytes at the path it deletes. The ground truth follows the
// path: the swapped-in file must never be deleted, as its bytes were never
// copied.
func (c *campaign) swap() bool {
	if c.outage {
		return false
	}
	restart := c.stopVerifier()
	c.waitForCopies()
	c.h.mu.Lock()
	cands := map[string]string{}
	for _, rel := range c.copiedNotVerified() {
		cands[c.s.path(rel)] = rel
	}
	c.h.mu.Unlock()
	restart()
	if len(cands) == 0 {
		return false
	}
	p := c.d.procs[c.d.verifierProc()]
	rel, hashing := catchOpen(p, cands, 3*time.Second)
	if !hashing {
		// Not caught hashing one: freeze it wherever it is.
		_ = p.Signal(syscall.SIGSTOP)
		keys := make([]string, 0, len(cands))
		for _, r := range cands {
			keys = append(keys, r)
		}
		sort.Strings(keys)
		rel = keys[c.rng.IntN(len(keys))]
	}
	// Caught hashing, only same size and mtime slip past a stat of the path.
	sneaky := hashing || c.rng.IntN(2) == 0
	ok := c.h.swap(rel, sneaky, c.rng)
	_ = p.Signal(syscall.SIGCONT)
	if !ok {
		return false
	}
	how := "swap_before_verify"
	if hashing {
		how = "swap_while_hashing"
	}
	c.notes[how]++
	c.logf("swapped another file over %s (%s, same size and mtime: %v)", rel, how, sneaky)
	return true
}

// catchOpen polls p's open files until one of paths is among them, then
// freezes p (SIGSTOP; the caller sends SIGCONT) and returns it by its value
// in paths. It gives up after timeout.
func catchOpen(p *testkit.Proc, paths map[string]string, timeout time.Duration) (string, bool) {
	fdDir := filepath.Join("/proc", strconv.Itoa(p.Pid()), "fd")
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) && p.Running() {
		d, err := os.Open(fdDir)
		if err != nil {
			return "", false
		}
		names, _ := d.Readdirnames(-1)
		d.Close()
		for _, n := range names {
			target, err := os.Readlink(filepath.Join(fdDir, n))
			if rel, ok := paths[target]; err == nil && ok {
				if p.Signal(syscall.SIGSTOP) != nil {
					return "", false
				}
				return rel, true
			}
		}
	}
	return "", false
}

// swap writes a new file beside rel (under a name no route takes) and
// renames it over rel: different bytes, the same size and mtime when
// sneaky. It reports false if rel was already gone. Whoever calls it keeps
// ferry from deleting rel meanwhile (the verifier is frozen or stopped).
func (h *heritrix) swap(rel string, sneaky bool, rng *rand.Rand) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.closed[rel]
	p := filepath.Join(h.root, rel)
	if _, err := os.Lstat(p); err != nil {
		return false
	}
	size := c.size
	if !sneaky {
		size = max(c.size+int64(rng.IntN(4096))-2048, 1)
	}
	data := make([]byte, size)
	src := rand.NewChaCha8([32]byte{0x5a, byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32())})
	_, _ = src.Read(data)
	if size > 0 {
		data[0] ^= 0xff // never the bytes that were there
	}
	tmp := p + ".swap.open" // .open: excluded by the route's rules
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		h.t.Error(err)
		return false
	}
	mtime := time.Now()
	if sneaky {
		mtime = c.mtime
	}
	if err := os.Chtimes(tmp, mtime, mtime); err != nil {
		h.t.Error(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		h.t.Error(err)
		return false
	}
	fi, err := os.Lstat(p)
	if err != nil {
		h.t.Error(err)
		return false
	}
	sum := sha256.Sum256(data)
	c.sha, c.size, c.mtime, c.rewritten = hex.EncodeToString(sum[:]), fi.Size(), fi.ModTime(), true
	return true
}
