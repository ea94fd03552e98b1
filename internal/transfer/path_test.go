package transfer_test

import (
	"errors"
	"testing"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
)

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
