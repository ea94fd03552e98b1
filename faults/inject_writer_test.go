package faults

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"github.com/ferrydata/ferry/internal/testkit"
)

// secondWriter plays another installation writing the same relative path
// to this destination: with ferry's mover and verifier frozen (SIGSTOP),
// it renames other bytes into place at the final name of a closed file
// whose upload is in flight (its partial is there) or, failing that, whose
// copy has not started. ferry's own upload must not replace them, and the
// source must stay, dead-lettered as a conflict.
func (c *campaign) secondWriter() bool {
	if c.outage || c.full {
		return false
	}
	inFlight := c.waitForPartial(3 * time.Second)
	thaw := c.freezeWorkers()
	defer thaw()
	c.a.world.Lock()
	defer c.a.world.Unlock()
	c.h.mu.Lock()
	defer c.h.mu.Unlock()
	var cands []string
	for rel, f := range c.h.closed {
		if f.foreign || f.corrupted {
			continue
		}
		if _, err := os.Lstat(c.s.path(rel)); err != nil {
			continue // moved, or going
		}
		if _, err := os.Lstat(c.s.dstPath(rel)); err == nil {
			continue // a copy of ours there already
		}
		if inFlight[rel] {
			cands = append([]string{rel}, cands...) // first: its upload is under way
		} else if len(inFlight) == 0 {
			cands = append(cands, rel)
		}
	}
	if len(cands) == 0 {
		return false
	}
	if len(inFlight) == 0 {
		sort.Strings(cands)
	}
	rel := cands[0]
	if len(inFlight) == 0 {
		rel = cands[c.rng.IntN(len(cands))]
	}
	f := c.h.closed[rel]
	size := f.size
	if c.rng.IntN(2) == 0 {
		size += int64(c.rng.IntN(4096))
	}
	data := make([]byte, size)
	src := rand.NewChaCha8([32]byte{0x2d, byte(c.rng.Uint32()), byte(c.rng.Uint32())})
	_, _ = src.Read(data)
	if size > 0 {
		data[0] ^= 0xff
	} else {
		data = []byte("another host's bytes")
	}
	p := c.s.dstPath(rel)
	mkdirAll(c.t, filepath.Dir(p))
	tmp := p + ".other-host"
	must(c.t, os.WriteFile(tmp, data, 0o644))
	must(c.t, os.Chtimes(tmp, f.mtime, f.mtime))
	must(c.t, os.Rename(tmp, p))
	f.foreign = true
	how := "second_writer_before_copy"
	if inFlight[rel] {
		how = "second_writer_during_upload"
	}
	c.notes[how]++
	c.logf("another host wrote %s at the destination (%s)", rel, how)
	return true
}

// waitForPartial watches the destination for partial uploads for up to
// timeout and returns the closed files whose upload it saw under way.
func (c *campaign) waitForPartial(timeout time.Duration) map[string]bool {
	seen := map[string]bool{}
	deadline := time.Now().Add(timeout)
	for len(seen) == 0 && time.Now().Before(deadline) {
		_ = filepathWalkFiles(c.s.dst, func(rel string) {
			if isPartial(rel) {
				seen[partialRE.ReplaceAllString(rel, "")] = true
			}
		})
		if len(seen) == 0 {
			c.d.supervise()
			time.Sleep(2 * time.Millisecond)
		}
	}
	return seen
}

// freezeWorkers SIGSTOPs the processes running the mover and the verifier,
// and returns their thaw.
func (c *campaign) freezeWorkers() func() {
	var frozen []*testkit.Proc
	for _, name := range c.d.names() {
		if name == "run" || name == "mover" || name == "verifier" {
			p := c.d.procs[name]
			if p.Running() && p.Signal(syscall.SIGSTOP) == nil {
				frozen = append(frozen, p)
			}
		}
	}
	return func() {
		for _, p := range frozen {
			_ = p.Signal(syscall.SIGCONT)
		}
	}
}
