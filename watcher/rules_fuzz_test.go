package watcher

import (
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/config"
)

// FuzzRules: compiling and matching never panic whatever the patterns and
// names; a name one of the excludes matches is never a match; and with the
// Heritrix defaults, files Heritrix is still writing (*.open), Java's lock
// files (*.lck) and the live crawl.log never match, however they are named
// or nested. Patterns are given one per line.
func FuzzRules(f *testing.F) {
	seeds := []struct{ include, exclude, name string }{
		{"*.warc.gz\n*.warc\ncrawl.log.cp*\ncrawl.log.[0-9]*", "*.open\n*.lck\ncrawl.log", "job/1/warcs/WEB-20261124093000123-00001-42~crawler01~8443.warc.gz"},
		{"**", "*.open\n/tmp/**\ncache/**", "x/cache/a"},
		{"*", "", "a.warc.gz.open"},
		{"{{.*}}", "{{\\.open$}}", "deep/er/a.open"},
		{"crawl.log.{{\\d+}}", "crawl.log", "job/logs/crawl.log.20261124093000"},
		{"crawl.log.\\d+", "", "crawl.log.1+"},
		{"[a", "", "a"},
		{"*", "{{(}}", "b"},
		{"*.warc.gz", "*.open", "bad\nname.warc.gz"},
		{"*.warc.gz", "*.open", "bad\xffname.warc.gz"},
		{"*.warc.gz", "*.open", "x.open/a.warc.gz"},
		{"**/*.warc", "*.lck", "/abs/a.warc"},
		{"*", "*.lck", "../../etc/passwd.lck"},
		{"a{b,c}d", "abd", "acd"},
		{"", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.include, s.exclude, s.name)
	}
	defaults, err := NewRules(config.DefaultInclude(), config.DefaultExclude())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, include, exclude, name string) {
		// Never panics on any name, with the defaults or with fuzzed patterns.
		defaults.Match(name)
		for _, still := range []string{name + ".open", name + ".lck", name + ".warc.gz.open", "crawl.log", name + "/crawl.log"} {
			if defaults.Match(still) {
				t.Fatalf("Heritrix defaults match %q, a file still being written or a lock", still)
			}
		}
		inc, exc := lines(include), lines(exclude)
		r, err := NewRules(inc, exc)
		if err != nil {
			return // refusing a pattern is fine; panicking is not
		}
		matched := r.Match(name)
		for _, p := range exc {
			alone, err := NewRules([]string{p}, nil)
			if err != nil {
				t.Fatalf("exclude %q compiled in a set but not alone: %v", p, err)
			}
			if alone.Match(name) && matched {
				t.Fatalf("%q matches exclude %q yet Match says yes (include %q)", name, p, inc)
			}
		}
	})
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
