package transfer_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
)

func TestValidPath(t *testing.T) {
	tests := []struct {
		name string
		rel  string
		ok   bool
	}{
		{"plain", "a.warc.gz", true},
		{"nested", "job/20261124/warcs/a.warc.gz", true},
		{"spaces and unicode", "crawl 1/ünï©ødé ✓.warc.gz", true},
		{"colon percent hash quote", "a:b/100%#'\".gz", true},
		{"leading dash and dots in name", "-x/..a/b..", true},
		{"element of 255 bytes", strings.Repeat("a", 255), true},
		{"path of 4096 bytes", strings.Repeat(strings.Repeat("a", 200)+"/", 20) + strings.Repeat("b", 76), true},
		{"empty", "", false},
		{"dot", ".", false},
		{"absolute", "/etc/passwd", false},
		{"parent", "../x", false},
		{"parent inside", "a/../../x", false},
		{"trailing parent", "a/..", false},
		{"dot element", "a/./b", false},
		{"leading dot slash", "./a", false},
		{"double slash", "a//b", false},
		{"trailing slash", "a/", false},
		{"backslash", `a\b`, false},
		{"backslash parent", `..\x`, false},
		{"NUL", "a\x00b", false},
		{"newline", "a\nb", false},
		{"carriage return", "a\rb", false},
		{"tab", "a\tb", false},
		{"DEL", "a\x7fb", false},
		{"C1 control", "a\u0085b", false},
		{"invalid UTF-8", "a\xffb", false},
		{"element of 256 bytes", strings.Repeat("a", 256), false},
		{"path of 4097 bytes", strings.Repeat("a/", 2048) + "b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := transfer.ValidPath(tt.rel)
			if tt.ok && err != nil {
				t.Fatalf("ValidPath(%q) = %v, want nil", tt.rel, err)
			}
			if !tt.ok && !errors.Is(err, fault.ErrInvalid) {
				t.Fatalf("ValidPath(%q) = %v, want fault.ErrInvalid", tt.rel, err)
			}
		})
	}
}

func TestCompileGlob(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		match   []string
		noMatch []string
	}{
		{"rotated log by digit class", "crawl.log.[0-9]*",
			[]string{"a/b/crawl.log.20261124093000", "crawl.log.20261124093000"},
			[]string{"crawl.log", "crawl.log.cp00001-20261124093000", "crawl.log.lck"}},
		{"checkpoint log", "crawl.log.cp*",
			[]string{"crawl.log.cp00001-20261124093000", "job/1/logs/crawl.log.cp00002-20261124093000"},
			[]string{"crawl.log", "crawl.log.20261124093000"}},
		{"closed WARCs at any depth", "*.warc.gz",
			[]string{"x/y.warc.gz", "y.warc.gz"},
			[]string{"y.warc.gz.open", "y.warc.gz.invalid", "x/y.warc"}},
		{"exact base name", "crawl.log",
			[]string{"crawl.log", "job/logs/crawl.log"},
			[]string{"crawl.log.1", "xcrawl.log", "crawl.log/x", "crawl_log"}},
		{"star does not cross slash", "/warcs/*.warc.gz",
			[]string{"warcs/a.warc.gz"},
			[]string{"warcs/sub/a.warc.gz", "x/warcs/a.warc.gz"}},
		{"double star does", "/warcs/**.warc.gz",
			[]string{"warcs/a.warc.gz", "warcs/sub/a.warc.gz"},
			[]string{"x/warcs/a.warc.gz"}},
		{"regexp in braces", `crawl.log.{{\d+}}`,
			[]string{"crawl.log.20261124093000", "a/crawl.log.1"},
			[]string{"crawl.log.", "crawl.log.cp00001-20261124093000"}},
		// The pitfall: outside {{ }} "+" is literal, so this is one digit
		// then a "+", and it never matches a real rotated log.
		{"backslash-d is not a regexp", `crawl.log.\d+`,
			[]string{"crawl.log.1+"},
			[]string{"crawl.log.20261124093000", "crawl.log.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			re, err := transfer.CompileGlob(tt.pattern)
			if err != nil {
				t.Fatalf("CompileGlob(%q): %v", tt.pattern, err)
			}
			for _, p := range tt.match {
				if !re.MatchString(p) {
					t.Errorf("%q (%s) does not match %q", tt.pattern, re, p)
				}
			}
			for _, p := range tt.noMatch {
				if re.MatchString(p) {
					t.Errorf("%q (%s) matches %q", tt.pattern, re, p)
				}
			}
		})
	}
}

func TestCompileGlobRejects(t *testing.T) {
	for _, pattern := range []string{"", "a]", "{a", "***"} {
		t.Run(pattern, func(t *testing.T) {
			if _, err := transfer.CompileGlob(pattern); !errors.Is(err, fault.ErrInvalid) {
				t.Fatalf("CompileGlob(%q) = %v, want fault.ErrInvalid", pattern, err)
			}
		})
	}
}
