package testkit

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// FerryPackage is what BuildFerry builds.
const FerryPackage = "github.com/ferrydata/ferry/cmd/ferry"

// MainWithFerry is a TestMain body for tests that run ferry as processes:
// unless -short is set, it builds the ferry binary once into a directory
// anyone may read (some tests run it as an unprivileged user), stores its
// path in *bin, runs the tests and removes the binary. It returns the exit
// code for os.Exit. Under -short *bin stays empty.
func MainWithFerry(m *testing.M, bin *string) int {
	flag.Parse()
	if testing.Short() {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "ferry-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	*bin = filepath.Join(dir, "ferry")
	build := exec.Command("go", "build", "-o", *bin, FerryPackage)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "couldn't build ferry:", err)
		return 2
	}
	return m.Run()
}
