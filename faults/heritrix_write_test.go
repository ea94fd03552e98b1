package faults

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// warcSize draws sizes as a crawl produces them: mostly small, some large,
// a few empty.
func warcSize(rng *rand.Rand) int {
	switch p := rng.Float64(); {
	case p < 0.03:
		return 0
	case p < 0.70:
		return 1<<10 + rng.IntN(63<<10)
	case p < 0.95:
		return 64<<10 + rng.IntN(960<<10)
	default:
		return 1<<20 + rng.IntN(3<<20)
	}
}

func (h *heritrix) writer(ctx context.Context, id int, rng *rand.Rand) {
	for h.reserve() {
		if !h.writeWARC(ctx, id, rng) || !sleep(ctx, time.Duration(rng.Int64N(int64(h.cfg.pause)+1))) {
			return
		}
	}
}

// writeWARC writes one WARC in chunks as .open and renames it when whole.
// It reports false if stopped first (the .open stays).
func (h *heritrix) writeWARC(ctx context.Context, id int, rng *rand.Rand) bool {
	h.mu.Lock()
	h.serial++
	serial := h.serial
	dir := h.launches[rng.IntN(len(h.launches))] + "/warcs"
	if rng.IntN(5) == 0 {
		dir += fmt.Sprintf("/sub%d", rng.IntN(3)) // deeper trees appear as the crawl goes
	}
	h.stamp = h.stamp.Add(time.Second + time.Duration(rng.IntN(1000))*time.Millisecond)
	ext := ".warc.gz"
	if rng.IntN(10) == 0 {
		ext = ".warc"
	}
	rel := fmt.Sprintf("%s/WEB-%s-%05d-%d~%s~8443%s", dir, h.stamp.Format("20060102150405000"), serial, 4200+id, hostName, ext)
	l := h.openLive(rel+".open", "open")
	h.mu.Unlock()

	left := warcSize(rng)
	buf := make([]byte, 128<<10)
	src := rand.NewChaCha8([32]byte{byte(id), byte(serial), byte(serial >> 8), byte(rng.Uint32())})
	for left > 0 {
		n := min(left, 16<<10+rng.IntN(len(buf)-16<<10))
		_, _ = src.Read(buf[:n])
		h.mu.Lock()
		l.write(h.t, buf[:n])
		h.mu.Unlock()
		left -= n
		if !sleep(ctx, time.Duration(rng.IntN(60))*time.Millisecond) {
			return false
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if ctx.Err() != nil {
		return false
	}
	h.close(l, rel, false)
	return true
}

// close renames a live file to its closed name and records it. h.mu is held.
func (h *heritrix) close(l *liveFile, rel string, log bool) {
	if err := l.f.Close(); err != nil {
		h.t.Error(err)
	}
	l.f = nil
	from := filepath.Join(h.root, l.rel)
	skewed := h.skewLeft > 0
	if skewed {
		// The crawler's clock was off: the file carries a wrong mtime.
		h.skewLeft--
		when := time.Now().Add(h.skew)
		if err := os.Chtimes(from, when, when); err != nil {
			h.t.Error(err)
		}
	}
	to := filepath.Join(h.root, rel)
	if err := os.Rename(from, to); err != nil {
		h.t.Error(err)
		return
	}
	fi, err := os.Lstat(to)
	if err != nil {
		h.t.Error(err)
		return
	}
	delete(h.live, l.rel)
	h.closed[rel] = &closedFile{rel: rel, sha: l.sha(), size: fi.Size(), mtime: fi.ModTime(), log: log, skewed: skewed}
}

// logger appends to every launch's crawl.log and alerts.log, and rotates a
// crawl.log now and then, as at a checkpoint or a restart of the crawler.
func (h *heritrix) logger(ctx context.Context, rng *rand.Rand) {
	line := 0
	for sleep(ctx, time.Duration(50+rng.IntN(150))*time.Millisecond) {
		h.mu.Lock()
		for _, dir := range h.launches {
			line++
			entry := fmt.Sprintf("2026-11-24T09:30:%02d.%03dZ   200   %6d https://example.org/%d text/html #%03d\n",
				line%60, line%1000, rng.IntN(100000), line, rng.IntN(100))
			h.live[dir+"/logs/crawl.log"].write(h.t, []byte(entry))
			if rng.IntN(10) == 0 {
				h.live[dir+"/logs/alerts.log"].write(h.t, []byte("SEVERE "+entry))
				h.live[dir+"/logs/progress-statistics.log"].write(h.t, []byte(entry))
			}
		}
		h.mu.Unlock()
		// About one closed file in twenty is a rotated log.
		if rng.IntN(20*max(1, h.cfg.writers)) < 2 && h.reserve() {
			h.rotate(rng)
		}
		if rng.IntN(400) == 0 {
			h.mu.Lock()
			h.newLaunch(fmt.Sprintf("job%d", len(h.launches)), h.stamp.Format("20060102150405"))
			h.mu.Unlock()
		}
	}
}

// rotate renames a live crawl.log (checkpoint or restart style) and opens a new one.
func (h *heritrix) rotate(rng *rand.Rand) {
	h.mu.Lock()
	defer h.mu.Unlock()
	dir := h.launches[rng.IntN(len(h.launches))]
	h.rotations++
	h.stamp = h.stamp.Add(time.Minute)
	name := fmt.Sprintf("crawl.log.cp%05d-%s", h.rotations, h.stamp.Format("20060102150405"))
	if rng.IntN(2) == 0 {
		name = "crawl.log." + h.stamp.Format("20060102150405")
	}
	h.close(h.live[dir+"/logs/crawl.log"], dir+"/logs/"+name, true)
	h.openLive(dir+"/logs/crawl.log", "crawl.log")
}
