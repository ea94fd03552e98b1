package main

import (
	"os"
	"path/filepath"
	"testing"
)

// Spill files a killed ferry left under state_dir/validate (see
// validate.TestCleanSpillDirRemovesWhatAKilledValidationLeft for a real
// one) are removed when a mover or verifier starts, and the directory stays.
func TestIntegrationSpillFilesLeftByACrashAreRemovedAtStart(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	s := newSite(t, siteOptions{routeExtra: "    validate: [gzip, warc]\n"})
	spill := filepath.Join(s.dir, "state", "validate")
	if err := os.MkdirAll(spill, 0o700); err != nil {
		t.Fatal(err)
	}
	left := filepath.Join(spill, "tmp-diskbuffer-1234567890")
	if err := os.WriteFile(left, make([]byte, 3<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, logs := s.runFerry("run", "--once", "--timeout", "1m")
	if code != 0 {
		t.Fatalf("run --once: exit %d\n%s\n%s", code, out, logs)
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("spill file left by a crash: %v, want it removed at start", err)
	}
	if st, err := os.Stat(spill); err != nil || !st.IsDir() {
		t.Errorf("spill directory: %v, want it kept", err)
	}
	mustContain(t, logs, "removed validators' spill files left by an earlier run")
}
