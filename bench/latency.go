package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// latencyFileSize is the size of each file closed on the idle daemon.
const latencyFileSize = 100 * kB

// latency starts an idle `ferry run` (default config, local to local),
// closes files one at a time as Heritrix does (written as .open, renamed),
// each once the previous one's source is gone, and measures close (the
// rename) to source deleted by polling the path every 5 ms.
func latency(o options, out io.Writer) error {
	dir, err := os.MkdirTemp(o.tmp, "bench-latency-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src, dst := filepath.Join(dir, "heritrix"), filepath.Join(dir, "destination")
	warcs := filepath.Join(src, "job", "warcs")
	if err := os.MkdirAll(warcs, 0o755); err != nil {
		return err
	}
	config, err := writeFerryConfig(dir, src, dst)
	if err != nil {
		return err
	}
	logs := newLogClock("ferry running")
	d, err := startDaemon(logs, o.ferry, "--config", config, "run")
	if err != nil {
		return err
	}
	defer d.kill()
	exited := d.exited
	if err := waitLog(logs, "ferry running", exited, 60*time.Second); err != nil {
		return err
	}
	time.Sleep(2 * time.Second) // the first scan of an empty tree is over: the daemon is idle

	var took []time.Duration
	want := map[string][32]byte{}
	for i := range o.latencyN {
		name := fmt.Sprintf("LAT-%05d.warc.gz", i)
		path := filepath.Join(warcs, name)
		if err := writeRandom(path+".open", latencyFileSize, uint64(1)<<40|uint64(i)); err != nil {
			return err
		}
		sum, err := hashFile(path + ".open")
		if err != nil {
			return err
		}
		want["job/warcs/"+name] = sum
		if err := os.Rename(path+".open", path); err != nil {
			return err
		}
		closed := time.Now()
		if err := waitGone(path, exited, 60*time.Second); err != nil {
			return fmt.Errorf("latency file %d: %w\n%s", i+1, err, logs)
		}
		took = append(took, time.Since(closed))
		o.progress("latency: file %d: %.3fs", i+1, took[len(took)-1].Seconds())
	}
	if err := d.stop(); err != nil {
		return fmt.Errorf("ferry run: %w\n%s", err, logs)
	}
	u := childUsage(d.cmd.ProcessState, 0)
	if err := checkMoved(want, src, dst, true); err != nil {
		return fmt.Errorf("latency: %w", err)
	}
	slices.Sort(took)
	p50, p99 := percentile(took, 50), percentile(took, 99)
	fmt.Fprintf(out, "### Latency: %d files of 100 KB closed one at a time on an idle `ferry run`\n\n", o.latencyN)
	fmt.Fprintln(out, "Close = the rename of x.warc.gz.open to x.warc.gz; deleted = the source path gone (polled every 5 ms); each file is closed once the previous one is gone.")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| files | p50 s | p99 s | min s | max s | daemon CPU s | daemon peak RSS MB |")
	fmt.Fprintln(out, "|---:|---:|---:|---:|---:|---:|---:|")
	fmt.Fprintf(out, "| %d | %.3f | %.3f | %.3f | %.3f | %.2f | %.0f |\n\n", len(took), p50.Seconds(), p99.Seconds(),
		took[0].Seconds(), took[len(took)-1].Seconds(), u.cpu.Seconds(), float64(u.rssKB)/1024)
	target(out, "p50 <= 1 s", p50 <= time.Second, "%.3f s", p50.Seconds())
	target(out, "p99 <= 2 s", p99 <= 2*time.Second, "%.3f s", p99.Seconds())
	fmt.Fprintln(out)
	return nil
}

// waitLog waits until the child logged a line holding key.
func waitLog(logs *logClock, key string, exited <-chan error, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if n, _, _ := logs.seen(key); n > 0 {
			return nil
		}
		select {
		case err := <-exited:
			return fmt.Errorf("ferry exited (%v) before logging %q:\n%s", err, key, logs)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("ferry did not log %q within %s:\n%s", key, timeout, logs)
		}
	}
}

// waitGone polls path every 5 ms until it no longer exists.
func waitGone(path string, exited <-chan error, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
			return nil
		}
		select {
		case err := <-exited:
			return fmt.Errorf("ferry exited (%v) before deleting the source", err)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("source still there after %s", timeout)
		}
	}
}

// percentile of sorted durations, nearest rank.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100
	return sorted[max(rank, 1)-1]
}
