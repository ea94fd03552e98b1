package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// backlogFileSize is the size of each waiting file: tiny, so the run
// measures per-file costs (scan, queue, ledger), not bytes.
const backlogFileSize = 64

// backlog creates n closed files before ferry starts, then runs `ferry run
// --once` (default config, local to local) until all are moved. The first
// scan is over when the watcher has logged its n-th "announced closed file"
// (it announces while it scans); state_dir is measured after the run.
// The first scan is over at the run's first "scanned" log line: the walk
// has found every waiting file (announcing only what fits max_queued).
func backlog(o options, out io.Writer, n int) error {
	dir, err := os.MkdirTemp(o.tmp, "bench-backlog-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src, dst := filepath.Join(dir, "heritrix"), filepath.Join(dir, "destination")
	o.progress("backlog: writing %d files", n)
	if err := backlogTree(n).write(src); err != nil {
		return err
	}
	want, err := hashTree(src)
	if err != nil {
		return err
	}
	config, err := writeFerryConfig(dir, src, dst)
	if err != nil {
		return err
	}
	const scanned, dispatched, verified = `msg=scanned`, "job dispatched", `msg="file verified"`
	logs := newLogClock(scanned, dispatched, verified)
	o.progress("backlog: ferry run --once over %d files", n)
	var tenths []tenth
	watch := func(pid int, done <-chan struct{}) {
		tenths = sampleTenths(pid, n, func() int { c, _, _ := logs.seen(verified); return c }, done)
	}
	u, err := runChildWatched([]string{o.ferry, "--config", config, "run", "--once"}, nil, logs, watch)
	if err != nil {
		return fmt.Errorf("backlog of %d: %w", n, err)
	}
	if err := checkMoved(want, src, dst, true); err != nil {
		return fmt.Errorf("backlog of %d: %w", n, err)
	}
	state, err := diskUsage(filepath.Join(dir, "state"))
	if err != nil {
		return err
	}
	scan := "n/a (no scan logged)"
	count, firstScan, _ := logs.seen(scanned)
	if count > 0 {
		scan = fmt.Sprintf("%.2f", firstScan.Seconds())
	}
	_, firstJob, _ := logs.seen(dispatched)

	fmt.Fprintf(out, "### Backlog: %d files of %d bytes waiting before `ferry run --once` starts\n\n", n, backlogFileSize)
	fmt.Fprintln(out, "First scan = start to the end of the first walk over the waiting files (its \"scanned\" log line; it announces what fits max_queued and leaves the rest on disk for catch-up passes); first job = start to the first \"job dispatched\"; state_dir measured by du after the run. One process (`ferry run`) holds all four roles.")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| files | wall s | files/s | first scan s | first job s | CPU s | peak RSS MB | state_dir MB | state bytes per file |")
	fmt.Fprintln(out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	fmt.Fprintf(out, "| %d | %.1f | %.0f | %s | %.2f | %.1f | %.0f | %.1f | %.0f |\n\n", n, u.wall.Seconds(),
		float64(n)/u.wall.Seconds(), scan, firstJob.Seconds(), u.cpu.Seconds(), float64(u.rssKB)/1024,
		float64(state)/1e6, float64(state)/float64(n))
	printTenths(out, tenths)
	target(out, "peak RSS < 300 MB", u.rssKB < 300*1024, "%.0f MB", float64(u.rssKB)/1024)
	if count > 0 && n >= 1_000_000 {
		target(out, "first scan < 30 s", firstScan < 30*time.Second, "%.1f s", firstScan.Seconds())
	}
	fmt.Fprintln(out)
	return nil
}

// backlogTree is n tiny files, a thousand per directory.
func backlogTree(n int) treeSpec {
	tree := treeSpec{}
	for i := 0; i < n; i += 1000 {
		tree = append(tree, group{fmt.Sprintf("job%04d/warcs", i/1000), "WEB-%05d.warc.gz", min(1000, n-i), backlogFileSize})
	}
	return tree
}

// diskUsage is what du reports for root: the blocks of every file in it.
func diskUsage(root string) (int64, error) {
	var total int64
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			total += st.Blocks * 512
		}
		return nil
	})
	return total, err
}

// tenth is the run when another tenth of the backlog had been verified.
type tenth struct {
	moved         int
	at            time.Duration
	rssKB, peakKB int64 // the child's RSS then, and its largest so far
}

// sampleTenths reads the child's RSS every 200 ms until done, and returns
// it as each tenth of n files was verified (moved counts them), so one run
// shows whether memory and speed stay flat as the backlog drains.
func sampleTenths(pid, n int, moved func() int, done <-chan struct{}) []tenth {
	start := time.Now()
	var out []tenth
	var peak int64
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return out
		case <-tick.C:
		}
		rss := processRSSKB(pid)
		peak = max(peak, rss)
		if m := moved(); m >= (len(out)+1)*n/10 && len(out) < 10 {
			out = append(out, tenth{moved: m, at: time.Since(start), rssKB: rss, peakKB: peak})
		}
	}
}

// processRSSKB is VmRSS of a process, in KiB; 0 if it cannot be read.
func processRSSKB(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb
		}
	}
	return 0
}

func printTenths(out io.Writer, tenths []tenth) {
	if len(tenths) == 0 {
		return
	}
	fmt.Fprintln(out, "As the backlog drains (RSS read every 200 ms; files/s over each tenth):")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| verified | s | RSS MB | peak RSS MB so far | files/s in the tenth |")
	fmt.Fprintln(out, "|---:|---:|---:|---:|---:|")
	prev := tenth{}
	for _, t := range tenths {
		rate := float64(t.moved-prev.moved) / (t.at - prev.at).Seconds()
		fmt.Fprintf(out, "| %d | %.0f | %.0f | %.0f | %.0f |\n", t.moved, t.at.Seconds(), float64(t.rssKB)/1024,
			float64(t.peakKB)/1024, rate)
		prev = t
	}
	fmt.Fprintln(out)
}
