package main

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A file verified while its route kept sources is deleted once the route
// deletes them, after a fresh verification (issue 7, item 10).
func TestIntegrationDeleteSourceSwitchedOn(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	s := newSite(t, siteOptions{routeExtra: "    delete_source: false\n"})
	data := randomBytes(t, 10_000)
	s.heritrixWrite("job/a.warc.gz", data)

	code, out, errOut := s.runFerry("run", "--once", "--timeout", "2m")
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(s.src, "job/a.warc.gz")); err != nil {
		t.Fatalf("delete_source: false deleted the source: %v", err)
	}

	setRouteKey(t, s, "delete_source: false", "delete_source: true")
	code, out, errOut = s.runFerry("run", "--once", "--timeout", "2m")
	if code != 0 {
		t.Fatalf("second run exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(s.src, "job/a.warc.gz")); !os.IsNotExist(err) {
		t.Fatalf("the verified source was kept after delete_source became true (stat: %v)\n%s", err, out)
	}
	if got := tree(t, s.dst); !maps.Equal(got, map[string]string{"job/a.warc.gz": sha(data)}) {
		t.Fatalf("destination holds %v", got)
	}
}

// Another file renamed over a moved file's name with the same size and
// mtime (cp -p, a restore) is a new file: announced, found to conflict with
// the copy, and kept (issue 7, item 10). Before, the ledger took it for the
// moved one and --once reported it moved while it sat on disk.
func TestIntegrationSameSizeAndMtimeIsANewFile(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	s := newSite(t, siteOptions{})
	first := randomBytes(t, 10_000)
	s.heritrixWrite("job/a.warc.gz", first)
	mtime := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(s.src, "job/a.warc.gz"), mtime, mtime); err != nil {
		t.Fatal(err)
	}
	s.ferryOK("run", "--once", "--timeout", "2m")

	second := randomBytes(t, 10_000)
	s.heritrixWrite("job/a.warc.gz", second)
	if err := os.Chtimes(filepath.Join(s.src, "job/a.warc.gz"), mtime, mtime); err != nil {
		t.Fatal(err)
	}
	code, out, _ := s.runFerry("run", "--once", "--timeout", "2m")
	if code != 1 {
		t.Fatalf("exit %d, want 1: the new file conflicts with the copy of the old one\n%s", code, out)
	}
	mustContain(t, out, "failed (conflict): 1")
	if got, err := os.ReadFile(filepath.Join(s.src, "job/a.warc.gz")); err != nil || sha(got) != sha(second) {
		t.Fatalf("the new file was not kept intact: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(s.dst, "job/a.warc.gz")); sha(got) != sha(first) {
		t.Fatal("the copy of the first file was replaced")
	}
}

// setRouteKey rewrites the site's config, replacing old with new.
func setRouteKey(t *testing.T, s *site, old, new string) {
	t.Helper()
	b, err := os.ReadFile(s.config)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("config lacks %q", old)
	}
	if err := os.WriteFile(s.config, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}
