package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/term"
)

// summary is what `ferry run --once` reports.
type summary struct {
	Files, Moved, Kept, Failed int
	Bytes                      int64
	Reasons                    map[string]int
	Took                       time.Duration
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
