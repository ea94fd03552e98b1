package relpath

import (
	"errors"
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/fault"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		rel  string
		ok   bool
	}{
		{"plain", "a.warc.gz", true},
		{"nested", "job/20261124/warcs/a.warc.gz", true},
		{"rotated log", "job/logs/crawl.log.cp00001-20261124093000", true},
		{"spaces and unicode", "job/été 2026/ä b.warc.gz", true},
		{"empty", "", false},
		{"absolute", "/etc/passwd", false},
		{"dotdot", "../etc/passwd", false},
		{"inner dotdot", "a/../../b", false},
		{"dot", "./a", false},
		{"trailing slash", "a/", false},
		{"double slash", "a//b", false},
		{"newline", "a\nb.warc.gz", false},
		{"tab", "a\tb", false},
		{"nul", "a\x00b", false},
		{"backslash", `a\..\b`, false},
		{"invalid utf8", "a\xffb", false},
		{"long element", strings.Repeat("x", 256), false},
		{"long path", strings.Repeat("abcdefgh/", 600) + "x", false},
		{"64 KiB name", strings.Repeat("n", 64<<10), false},
		// Cases from transfer.ValidPath's table, the second copy of this rule.
		{"colon percent hash quote", "a:b/100%#'\".gz", true},
		{"leading dash and dots in name", "-x/..a/b..", true},
		{"element of 255 bytes", strings.Repeat("a", 255), true},
		{"path of 4096 bytes", strings.Repeat(strings.Repeat("a", 200)+"/", 20) + strings.Repeat("b", 76), true},
		{"only dot", ".", false},
		{"trailing parent", "a/..", false},
		{"dot element", "a/./b", false},
		{"backslash parent", `..\x`, false},
		{"carriage return", "a\rb", false},
		{"DEL", "a\x7fb", false},
		{"C1 control", "a\u0085b", false},
		{"path of 4097 bytes", strings.Repeat("a/", 2048) + "b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.rel)
			if tt.ok && err != nil {
				t.Fatalf("Check(%q) = %v, want nil", tt.rel, err)
			}
			if !tt.ok && !errors.Is(err, fault.ErrInvalid) {
				t.Fatalf("Check(%q) = %v, want ErrInvalid", tt.rel, err)
			}
		})
	}
}
