package faults

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// closedFile is one file of the ground truth: a file the crawler closed, with
// the sha256 of its bytes taken as it closed it (or as a fault rewrote it).
type closedFile struct {
	rel       string
	sha       string
	size      int64
	mtime     time.Time
	log       bool // a rotated crawl.log, not a WARC
	corrupted bool // its copy was corrupted at the destination
	rewritten bool // its source was rewritten after it closed
	skewed    bool // closed with its mtime off by a clock jump
	foreign   bool // another host wrote its destination path first
}

// liveFile is a file ferry must never touch: a WARC still .open, a live log,
// a lock. Only the generator writes it; want is the sha256 of what it wrote.
type liveFile struct {
	rel  string
	kind string // "open", "crawl.log", "lck", "other"
	h    hash.Hash
	f    *os.File // open for appending, nil for static files
}

func (l *liveFile) sha() string { return hex.EncodeToString(l.h.Sum(nil)) }

// genConfig sizes the load.
type genConfig struct {
	files   int           // closed files to produce, WARCs and rotated logs
	writers int           // WARCs written at once
	pause   time.Duration // a writer rests up to this long between WARCs
	seed    uint64
}

// heritrix writes like Heritrix: WARCs as .open, renamed when whole, in
// nested job/launch directories; crawl.log appended and rotated to
// crawl.log.cpNNNNN-<stamp> or crawl.log.<stamp>; .lck files and other
// output that is not ferry's. It records every file it closes.
type heritrix struct {
	t     *testing.T
	root  string
	mkdir func(dir string)
	cfg   genConfig

	mu        sync.Mutex // guards everything below, and the tree: hold it to audit
	closed    map[string]*closedFile
	live      map[string]*liveFile
	launches  []string // job/launch directories, relative
	reserved  int      // closings promised (files ever to close counts them)
	serial    int
	stamp     time.Time // Heritrix's own stamps, unique and increasing
	skew      time.Duration
	skewLeft  int // the next skewLeft closings get their mtime shifted by skew
	rotations int

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newHeritrix(t *testing.T, root string, mkdir func(string), cfg genConfig) *heritrix {
	h := &heritrix{t: t, root: root, mkdir: mkdir, cfg: cfg, closed: map[string]*closedFile{},
		live: map[string]*liveFile{}, stamp: time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)}
	for i, job := range []string{"weekly-crawl", "domain-crawl", "frequent"} {
		h.newLaunch(job, fmt.Sprintf("2026112409%02d00", i))
	}
	return h
}

// newLaunch lays out one launch of a job: logs with their locks, state that
// is not output, a broken WARC, and the directory WARCs go to.
func (h *heritrix) newLaunch(job, launch string) {
	dir := job + "/" + launch
	h.mkdir(filepath.Join(h.root, dir, "warcs"))
	h.launches = append(h.launches, dir)
	h.openLive(dir+"/logs/crawl.log", "crawl.log")
	h.static(dir+"/logs/crawl.log.lck", "lck", nil)
	h.openLive(dir+"/logs/alerts.log", "other")
	h.static(dir+"/logs/alerts.log.lck", "lck", nil)
	h.openLive(dir+"/logs/progress-statistics.log", "other")
	h.static(dir+"/logs/frontier.recover.gz", "other", []byte("\x1f\x8b not ferry's"))
	h.static(job+"/state/00000001.jdb", "other", []byte("bdb"))
	h.static(job+"/state/je.lck", "lck", nil)
	h.static(dir+"/warcs/BROKEN-20261124093000000-00000-1~crawler01~8443.warc.gz.invalid", "other", []byte("truncated"))
}

// static writes a file nobody writes again.
func (h *heritrix) static(rel, kind string, data []byte) {
	p := filepath.Join(h.root, rel)
	h.mkdir(filepath.Dir(p))
	if err := os.WriteFile(p, data, 0o644); err != nil {
		h.t.Fatal(err)
	}
	l := &liveFile{rel: rel, kind: kind, h: sha256.New()}
	l.h.Write(data)
	h.live[rel] = l
}

// openLive creates a file that will be appended to.
func (h *heritrix) openLive(rel, kind string) *liveFile {
	p := filepath.Join(h.root, rel)
	h.mkdir(filepath.Dir(p))
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		h.t.Fatal(err)
	}
	l := &liveFile{rel: rel, kind: kind, h: sha256.New(), f: f}
	h.live[rel] = l
	return l
}

func (l *liveFile) write(t *testing.T, data []byte) {
	if _, err := l.f.Write(data); err != nil {
		t.Error(err)
	}
	l.h.Write(data)
}

// start runs the writers and the logger until files are closed or stop.
func (h *heritrix) start() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.t.Cleanup(h.stop) // a test that fails early leaves no writer behind
	for i := range h.cfg.writers {
		rng := rand.New(rand.NewPCG(h.cfg.seed, uint64(i)+1))
		h.wg.Go(func() { h.writer(ctx, i, rng) })
	}
	rng := rand.New(rand.NewPCG(h.cfg.seed, 1000))
	h.wg.Go(func() { h.logger(ctx, rng) })
}

// stop ends the writers where they are: WARCs being written stay .open, as
// after a crash of the crawler.
func (h *heritrix) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	h.wg.Wait()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, l := range h.live {
		if l.f != nil {
			l.f.Close()
			l.f = nil
		}
	}
}

// done reports whether every promised file has closed.
func (h *heritrix) done() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.closed) >= h.cfg.files
}

func (h *heritrix) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.closed)
}

// reserve promises one more closing, if the target allows.
func (h *heritrix) reserve() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.reserved >= h.cfg.files {
		return false
	}
	h.reserved++
	return true
}
