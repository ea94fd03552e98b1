package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/ferrydata/ferry/watcher"
)

// summary is what `ferry run --once` reports.
type summary struct {
	Files, Moved, Kept, Failed int
	Bytes                      int64
	Reasons                    map[string]int
	NotMoved                   []watcher.Problem // skipped or unreadable: the run is incomplete
	Took                       time.Duration
}

// reasonScanFailed is the problem of a route that could not be listed at all.
const reasonScanFailed = "scan_failed"

// maxListed bounds the problems printed one by one; the rest are counted.
const maxListed = 20

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
		bar := strings.Repeat("=", filled) + strings.Repeat(".", width-filled)
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
	if len(s.NotMoved) == 0 {
		return
	}
	fmt.Fprintf(out, "not moved (skipped or unreadable): %d\n", len(s.NotMoved))
	for _, p := range s.NotMoved[:min(len(s.NotMoved), maxListed)] {
		// %q: a name with control characters must not write to the terminal.
		line := fmt.Sprintf("  %s: %q (%s)", p.Route, p.Path, p.Reason)
		if p.Route == "" {
			line = fmt.Sprintf("  (%s)", p.Reason)
		}
		if p.Detail != "" {
			line += ": " + p.Detail
		}
		fmt.Fprintln(out, line)
	}
	if n := len(s.NotMoved) - maxListed; n > 0 {
		fmt.Fprintf(out, "  ... and %d more (see the log)\n", n)
	}
}

// sortedProblems lists problems by route and path, for a stable summary.
func sortedProblems(m map[string]watcher.Problem) []watcher.Problem {
	out := slices.Collect(maps.Values(m))
	slices.SortFunc(out, func(a, b watcher.Problem) int {
		return cmp.Or(cmp.Compare(a.Route, b.Route), cmp.Compare(a.Path, b.Path), cmp.Compare(a.Reason, b.Reason))
	})
	return out
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
