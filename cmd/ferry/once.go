package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"golang.org/x/term"

	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/watcher"
)

// summary is what `ferry run --once` reports.
type summary struct {
	Files, Moved, Kept, Failed int
	Bytes                      int64
	Reasons                    map[string]int
	Took                       time.Duration
}

// runOnce scans every route once, lets the pipeline move and verify what it
// found, waits until each found file is done, and reports.
func runOnce(ctx context.Context, sys *system, stdout, stderr io.Writer) error {
	start := time.Now()
	w, err := sys.newWatcher()
	if err != nil {
		return err
	}
	roles, err := sys.roles([]string{"dispatcher", "mover", "verifier"}, 250*time.Millisecond)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- runAll(ctx, roles) }()

	seen, err := w.Scan(ctx)
	if err != nil {
		return err
	}
	sum, err := waitDone(ctx, sys.ledger, seen, stopped, progressTo(stdout))
	cancel()
	if rerr := <-stopped; err == nil && rerr != nil {
		err = rerr
	}
	if err != nil {
		return err
	}
	sum.Took = time.Since(start)
	printSummary(stdout, sum)
	if sum.Failed > 0 {
		return fmt.Errorf("%d of %d files failed (see `ferry dead list`): %w", sum.Failed, sum.Files, errFailures)
	}
	return nil
}

// waitDone polls the ledger until every seen file is in a final state.
func waitDone(ctx context.Context, l *ledger.Ledger, seen []watcher.Seen, stopped <-chan error, show func(summary)) (summary, error) {
	sum := summary{Files: len(seen), Reasons: map[string]int{}}
	pending := seen
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for len(pending) > 0 {
		next := pending[:0]
		for _, s := range pending {
			rec, _, err := l.Get(ctx, s.Route, s.File.Path)
			if err != nil && !errors.Is(err, ledger.ErrNoRecord) {
				return sum, err
			}
			if err != nil || !rec.Same(s.File) || !rec.State.Done() {
				next = append(next, s)
				continue
			}
			switch rec.State {
			case ledger.Moved:
				sum.Moved++
				sum.Bytes += rec.Size
			case ledger.Verified:
				sum.Kept++
				sum.Bytes += rec.Size
			case ledger.Failed:
				sum.Failed++
				sum.Reasons[rec.Reason]++
			}
		}
		pending = next
		show(sum)
		if len(pending) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return sum, ctx.Err()
		case err := <-stopped:
			return sum, fmt.Errorf("pipeline stopped with %d files pending: %w", len(pending), err)
		case <-tick.C:
		}
	}
	return sum, nil
}

// progressTo draws a progress bar when out is a terminal, else nothing.
func progressTo(out io.Writer) func(summary) {
	f, ok := out.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func(summary) {}
	}
	return func(s summary) {
		done := s.Moved + s.Kept + s.Failed
		const width = 30
		filled := width
		if s.Files > 0 {
			filled = width * done / s.Files
		}
		bar := make([]byte, width)
		for i := range bar {
			bar[i] = '.'
			if i < filled {
				bar[i] = '='
			}
		}
		fmt.Fprintf(out, "\r[%s] %d/%d files, %s, %d failed", bar, done, s.Files, humanBytes(s.Bytes), s.Failed)
		if done == s.Files {
			fmt.Fprintln(out)
		}
	}
}

func printSummary(out io.Writer, s summary) {
	fmt.Fprintf(out, "files: %d  moved: %d  verified (source kept): %d  failed: %d  bytes: %s  took: %s\n",
		s.Files, s.Moved, s.Kept, s.Failed, humanBytes(s.Bytes), s.Took.Round(time.Millisecond))
	reasons := make([]string, 0, len(s.Reasons))
	for r := range s.Reasons {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		fmt.Fprintf(out, "  failed (%s): %d\n", r, s.Reasons[r])
	}
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
