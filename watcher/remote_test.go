package watcher

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/config"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// TestIntegrationRemote lists a source through rclone (its local backend
// named as an on-the-fly remote), as it would an S3 or HDFS one.
func TestIntegrationRemote(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	transfertest.Init(t)
	dir := t.TempDir()
	for _, name := range []string{"job/1/warcs/a.warc.gz", "job/1/warcs/b.warc.gz.open",
		"job/1/logs/crawl.log", "job/1/logs/crawl.log.20261124093000"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "job/1/warcs/a.warc.gz"), filepath.Join(dir, "link.warc.gz")); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *Config) {
		c.Routes = []Route{{Name: testRoute, Source: ":local:" + dir, Host: bus.HostAny,
			Include: config.DefaultInclude(), Exclude: config.DefaultExclude()}}
	})
	h.run() // no local route: no fsnotify, only the listing at start
	want := []string{"job/1/logs/crawl.log.20261124093000", "job/1/warcs/a.warc.gz"}
	recs := h.waitRecords(want...)
	for _, path := range want {
		if r := recs[path]; r.Host != bus.HostAny || r.Size != int64(len(path)) {
			t.Errorf("record of %s = %+v, want host %s and size %d", path, r, bus.HostAny, len(path))
		}
	}
	if got := seenPaths(h.scan()); !slices.Equal(got, want) {
		t.Errorf("Scan() = %q, want %q", got, want)
	}
	if got := h.waitClosed(2); got != 2 {
		t.Errorf("files closed = %v, want 2", got)
	}
}

func TestScanRemoteUnreachable(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	transfertest.Init(t)
	local := t.TempDir()
	if err := os.WriteFile(filepath.Join(local, "a.warc.gz"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *Config) {
		c.Routes = append(c.Routes, Route{Name: "gone", Source: "nosuchremote:bucket", Host: bus.HostAny,
			Include: []string{"*"}})
		c.Routes[0].Source = local
	})
	seen, _, err := h.w.Scan(t.Context())
	if err == nil {
		t.Fatal("Scan() of an unknown remote succeeded")
	}
	if got := seenPaths(seen); !slices.Equal(got, []string{"a.warc.gz"}) {
		t.Errorf("Scan() = %q: a failing route must not stop the others", got)
	}
}
