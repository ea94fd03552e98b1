package faults

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"time"
)

// TestSwappedFile renames another file (other bytes, the same size and
// mtime) over a closed file's path while the verifier holds the file open
// to hash it (issue 7, item 3). The verifier hashes the old inode, which
// matches the copy, and the path's size and mtime have not changed: only a
// delete bound to the file it hashed keeps the swapped-in file, whose
// bytes were never copied. The auditor then finds no source deleted
// without an identical copy.
func TestSwappedFile(t *testing.T) {
	skipShort(t)
	s := newSite(t, siteOptions{
		batch:      "{files: 1, bytes: 512MiB, max_wait: 200ms}",
		retry:      "{max_attempts: 2, ack_wait: 30s, backoff: [500ms]}",
		staleAfter: "10m",
	})
	h := newHeritrix(t, s.src, s.mkdir, genConfig{})
	a := newAuditor(t, h, s.src, func() string { return s.dst })
	// Large enough that hashing it takes a while, even on a fast disk.
	rel := "weekly-crawl/20261124090000/warcs/WEB-swap.warc.gz"
	h.closeNow(rel, randBytes(96<<20))
	d := newDaemons(t, s)
	d.start(topoRoles)
	verifier := d.procs["verifier"]

	// Watch for the verifier's open of the source from the start: it opens
	// it only once the copy is whole, and hashes the source while it reads
	// the copy back, so a test that first waited for the whole copy (hashing
	// 96 MiB per look) could look too late.
	got, caught := catchOpen(verifier, map[string]string{s.path(rel): rel}, 3*time.Minute)
	if !caught {
		t.Fatalf("never saw the verifier open %s to hash it", rel)
	}
	ok := h.swap(got, true, rand.New(rand.NewPCG(7, 7)))
	_ = verifier.Signal(syscall.SIGCONT)
	if !ok {
		t.Fatalf("%s vanished while the verifier was frozen", rel)
	}
	t.Logf("swapped another file over %s while the verifier was hashing it", rel)

	waitCount(t, s, "the verify job done or dead-lettered", "ferry.>", 0)
	a.check()
	d.killAll()
	code, out, errOut := s.ferry(time.Minute, "dead", "list")
	if code != 0 {
		t.Fatalf("ferry dead list exited %d: %s", code, errOut)
	}
	a.final(byPath(parseDead(t, out)))
}

// closeNow writes rel whole, as Heritrix closes a WARC (.open, renamed),
// and records it in the ground truth.
func (h *heritrix) closeNow(rel string, data []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.openLive(rel+".open", "open")
	l.write(h.t, data)
	h.close(l, rel, false)
}
