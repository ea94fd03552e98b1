package faults

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// ferryBin is the ferry binary, built once by TestMain. Empty under -short.
var ferryBin string

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "ferry-faults-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// Readable by the unprivileged user some tests run ferry as.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ferryBin = filepath.Join(dir, "ferry")
	build := exec.Command("go", "build", "-o", ferryBin, "github.com/ferrydata/ferry/cmd/ferry")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "couldn't build ferry:", err)
		os.RemoveAll(dir)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// skipShort skips tests that run ferry as processes.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("fault test: runs ferry as processes")
	}
}

// knownBug fails on a regression of a bug this suite once found (all fixed).
func knownBug(t *testing.T, what string) {
	t.Helper()
	t.Errorf("regression of a fixed bug: %s", what)
}
