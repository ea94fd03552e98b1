package main

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/transfer/transfertest"
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

// An S3 destination served from the source directory: only the probe can
// tell, and check-config runs it when asked.
func TestIntegrationCheckConfigProbe(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: serves S3")
	}
	transfertest.Init(t)
	s3 := transfertest.StartS3Server(t)
	s := newSite(t, siteOptions{dst: s3.Remote})
	s.src = filepath.Join(s3.Dir, s3.Bucket)
	cfg, err := os.ReadFile(s.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg = []byte(strings.Replace(string(cfg), filepath.Join(filepath.Dir(s.config), "heritrix"), s.src, 1))
	if err := os.WriteFile(s.config, cfg, 0o644); err != nil {
		t.Fatal(err)
	}

	if code, _, errOut := s.runFerry("check-config"); code != 0 {
		t.Fatalf("check-config without --probe exited %d: the config alone cannot tell\n%s", code, errOut)
	}
	code, _, errOut := s.runFerry("check-config", "--probe")
	if code != 2 {
		t.Fatalf("check-config --probe exited %d, want 2\n%s", code, errOut)
	}
	mustContain(t, errOut, "routes[0] (warcs): destination "+s3.Remote+" is the same storage (an object written there appeared in the source), its own source "+s.src)
}
