package watcher

import (
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/config"
)

func heritrixRules(t *testing.T) *Rules {
	t.Helper()
	r, err := NewRules(config.DefaultInclude(), config.DefaultExclude())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRulesMatchHeritrix(t *testing.T) {
	rules := heritrixRules(t)
	tests := []struct {
		name string
		rel  string
		want bool
	}{
		{"warc.gz", "x.warc.gz", true},
		{"warc", "x.warc", true},
		{"open warc", "x.warc.gz.open", false},
		{"invalid warc", "x.warc.gz.invalid", false},
		{"live crawl log", "crawl.log", false},
		{"nested live crawl log", "job/1/logs/crawl.log", false},
		{"checkpoint rotation", "crawl.log.cp00001-20261124093000", true},
		{"restart rotation", "crawl.log.20261124093000", true},
		{"nested rotation", "job/1/logs/crawl.log.20261124093000", true},
		{"java lock", "crawl.log.lck", false},
		{"rotated lock", "crawl.log.20261124093000.lck", false},
		{"other log", "alerts.log", false},
		{"other rotated log", "alerts.log.20261124093000", false},
		{"nested warc", "nested/dirs/a.warc.gz", true},
		{"warc in an .open directory", "x.open/a.warc.gz", true},
		{"hidden file", ".invalid", false},
		{"bdb state", "state/00000001.jdb", false},
		{"rotation without digits", "crawl.log.old", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rules.Match(tt.rel); got != tt.want {
				t.Errorf("Match(%q) = %v, want %v", tt.rel, got, tt.want)
			}
		})
	}
}

func TestRulesExcludeWins(t *testing.T) {
	r, err := NewRules([]string{"**"}, []string{"*.open", "/tmp/**", "cache/**"})
	if err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]bool{
		"a.warc.gz":      true,
		"a.warc.gz.open": false,
		"tmp/a.warc.gz":  false,
		"x/tmp/a":        true,  // "/tmp/**" is anchored at the root
		"x/cache/a":      false, // "cache/**" is not: rclone matches from the end
		"deep/er/a.open": false,
	} {
		if got := r.Match(rel); got != want {
			t.Errorf("Match(%q) = %v, want %v", rel, got, want)
		}
	}
}

func TestNewRulesErrors(t *testing.T) {
	tests := []struct {
		name             string
		include, exclude []string
		wantIn           string
	}{
		{"no include", nil, nil, "no include"},
		{"bad include", []string{"[a"}, nil, `include pattern "[a"`},
		{"bad exclude", []string{"*"}, []string{"{{(}}"}, `exclude pattern "{{(}}"`},
		{"empty pattern", []string{""}, nil, `include pattern ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRules(tt.include, tt.exclude)
			if err == nil || !strings.Contains(err.Error(), tt.wantIn) {
				t.Fatalf("NewRules() error = %v, want one containing %q", err, tt.wantIn)
			}
		})
	}
}
