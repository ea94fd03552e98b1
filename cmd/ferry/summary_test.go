package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/ferrydata/ferry/watcher"
)

func TestSummaryListsProblemsBounded(t *testing.T) {
	tests := []struct {
		name      string
		problems  int
		wantLines int // one per problem shown, plus the header and the "more" line
		wantMore  string
	}{
		{"none", 0, 0, ""},
		{"a few", 3, 4, ""},
		{"exactly the limit", maxListed, maxListed + 1, ""},
		{"more than the limit", maxListed + 5, maxListed + 2, "... and 5 more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := summary{Files: 1, Moved: 1}
			for i := range tt.problems {
				s.NotMoved = append(s.NotMoved, watcher.Problem{Route: "warcs", Path: fmt.Sprintf("bad\x1b[2J%02d.warc.gz", i),
					Reason: watcher.ReasonInvalidName})
			}
			var out bytes.Buffer
			printSummary(&out, s)
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")[1:] // after the totals
			if len(lines) != tt.wantLines {
				t.Fatalf("%d lines after the totals, want %d:\n%s", len(lines), tt.wantLines, out.String())
			}
			if strings.ContainsRune(out.String(), '\x1b') {
				t.Fatal("a control character of a name reached the output unquoted")
			}
			if tt.wantMore != "" && !strings.Contains(out.String(), tt.wantMore) {
				t.Fatalf("output lacks %q:\n%s", tt.wantMore, out.String())
			}
		})
	}
}
