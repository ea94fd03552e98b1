package main

import (
	"maps"
	"os"
	"path/filepath"
	"testing"
)

// symlinkSite is the config: the destination is a symlink to the
// source, so the "existing copy" of every file is the file itself.
func symlinkSite(t *testing.T) *site {
	t.Helper()
	link := filepath.Join(t.TempDir(), "xlink")
	s := newSite(t, siteOptions{dst: link})
	if err := os.Symlink(s.src, link); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCheckConfigRefusesOverlap(t *testing.T) {
	s := symlinkSite(t)
	code, out, errOut := s.runFerry("check-config")
	if code != 2 {
		t.Fatalf("check-config exited %d, want 2\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	mustContain(t, errOut, "routes[0] (warcs): destination "+s.dst+" resolves to "+s.src+", its own source "+s.src+
		": a copy there would be the source itself")
}

func TestIntegrationRunOnceRefusesOverlap(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	s := symlinkSite(t)
	s.heritrixWrite("job/warcs/WEB-1.warc.gz", randomBytes(t, 10_000))
	before := tree(t, s.src)

	code, out, errOut := s.runFerry("run", "--once", "--timeout", "1m")
	if code == 0 {
		t.Fatalf("ferry run --once exited 0 over a destination that is its source\nstdout: %s\nstderr: %s", out, errOut)
	}
	mustContain(t, errOut, "destination "+s.dst+" resolves to "+s.src)
	if got := tree(t, s.src); !maps.Equal(got, before) {
		t.Fatalf("source holds %v, want it untouched: %v", got, before)
	}
}
