package watcher

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ferrydata/ferry/internal/bus/bustest"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/metrics"
)

func TestNewErrors(t *testing.T) {
	b := bustest.Start(t)
	deps := Deps{Bus: b, Ledger: ledger.New(b.Ledger()), Metrics: metrics.New()}
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	route := func(edit func(*Route)) Config {
		r := Route{Name: "warcs", Source: dir, Host: "h", Include: []string{"*.warc.gz"}}
		edit(&r)
		return Config{Routes: []Route{r}}
	}
	tests := []struct {
		name   string
		cfg    Config
		deps   Deps
		wantIn []string // "" means New must succeed
	}{
		{"ok", route(func(*Route) {}), deps, nil},
		{"remote not checked", route(func(r *Route) { r.Source = "s3:bucket/jobs" }), deps, nil},
		{"bad include", route(func(r *Route) { r.Include = []string{"*.warc.gz", "crawl.log.[0-9"} }), deps,
			[]string{"route warcs", `"crawl.log.[0-9"`}},
		{"bad exclude", route(func(r *Route) { r.Exclude = []string{"{{[}}"} }), deps,
			[]string{"route warcs", `"{{[}}"`}},
		{"no include", route(func(r *Route) { r.Include = nil }), deps, []string{"route warcs", "no include"}},
		{"missing source", route(func(r *Route) { r.Source = filepath.Join(dir, "nope") }), deps,
			[]string{"route warcs", "nope"}},
		{"source is a file", route(func(r *Route) { r.Source = file }), deps,
			[]string{"route warcs", "not a directory"}},
		{"bad name", route(func(r *Route) { r.Name = "a.b" }), deps, []string{`"a.b"`}},
		{"no host", route(func(r *Route) { r.Host = "" }), deps, []string{"host"}},
		{"no bus", route(func(*Route) {}), Deps{Metrics: deps.Metrics}, []string{"bus"}},
		{"twice", Config{Routes: append(route(func(*Route) {}).Routes, route(func(*Route) {}).Routes...)}, deps,
			[]string{"twice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg, tt.deps)
			if tt.wantIn == nil {
				if err != nil {
					t.Fatalf("New() = %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("New() succeeded")
			}
			for _, s := range tt.wantIn {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("New() = %q, want it to name %q", err, s)
				}
			}
		})
	}
}

func TestNewResolvesSymlinkedRoot(t *testing.T) {
	h := newHarness(t, nil)
	link := filepath.Join(t.TempDir(), "jobs")
	if err := os.Symlink(h.root, link); err != nil {
		t.Fatal(err)
	}
	h.write("a.warc.gz", "a")
	w, err := New(Config{Routes: []Route{{Name: testRoute, Source: link, Host: "h", Include: []string{"*.warc.gz"}}}},
		Deps{Bus: h.bus, Ledger: h.led, Metrics: h.m})
	if err != nil {
		t.Fatal(err)
	}
	seen, _, err := w.Scan(t.Context())
	if err != nil || len(seen) != 1 || seen[0].File.Path != "a.warc.gz" {
		t.Fatalf("Scan() through a symlinked root = %+v, %v; want a.warc.gz", seen, err)
	}
}

// Scan reports what keeps files from being moved, every scan, and nothing
// for files the rules exclude.
func TestScanReportsProblems(t *testing.T) {
	h := newHarness(t, nil)
	outside := t.TempDir()
	h.heritrixWrite("job/ok.warc.gz", "ok")
	h.write("job/bad\\name.warc.gz", "b")
	h.write("job/logs/crawl.log", "live")
	h.write("job/logs/crawl.log.lck", "")
	h.write("job/open.warc.gz.open", "half")
	h.write("job/notes.txt", "not ours")
	if err := os.Symlink(outside, h.path("job/linked")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "x"), h.path("job/dangling")); err != nil {
		t.Fatal(err) // a link to nothing hides nothing: not a problem
	}
	if err := os.Symlink("../job", h.path("latest")); err != nil {
		t.Fatal(err) // within the route, as Heritrix's "latest": walked by the real path
	}
	want := []Problem{
		{Route: testRoute, Path: "job/bad\\name.warc.gz", Reason: ReasonInvalidName},
		{Route: testRoute, Path: "job/linked", Reason: ReasonSymlinkedDir},
	}
	for range 2 { // warned once, reported every time
		seen, problems, err := h.w.Scan(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if got := seenPaths(seen); !slices.Equal(got, []string{"job/ok.warc.gz"}) {
			t.Errorf("seen %q", got)
		}
		slices.SortFunc(problems, func(a, b Problem) int { return strings.Compare(a.Path, b.Path) })
		if !slices.Equal(problems, want) {
			t.Errorf("problems = %+v\nwant %+v", problems, want)
		}
	}
}

// A directory larger than one read of its entries, and the trees below it,
// are scanned whole: every file is announced once, and found again (not
// announced) by the next scan.
func TestScanEachWalksLargeDirectories(t *testing.T) {
	h := newHarness(t, nil)
	var want []string
	for i := range dirChunk + 300 {
		rel := fmt.Sprintf("big/WEB-%05d.warc.gz", i)
		h.heritrixWrite(rel, "x")
		want = append(want, rel)
	}
	for _, rel := range []string{"big/sub/a.warc.gz", "big/sub/deeper/b.warc.gz", "other/c.warc.gz"} {
		h.heritrixWrite(rel, "y")
		want = append(want, rel)
	}
	slices.Sort(want)
	for round, announced := range []bool{true, false} {
		var mu sync.Mutex
		var got []string
		_, err := h.w.ScanEach(t.Context(), func(s Seen) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, s.File.Path)
			if s.Announced != announced {
				t.Errorf("scan %d: %s announced = %v, want %v", round, s.File.Path, s.Announced, announced)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("scan %d found %d files, want %d", round, len(got), len(want))
		}
	}
	if n := h.closedCount(); n != float64(len(want)) {
		t.Errorf("announced %v files, want %d", n, len(want))
	}
}
