package faults

import (
	"os"
	"testing"

	"github.com/ferrydata/ferry/internal/testkit"
)

// ferryBin is the ferry binary, built once by TestMain. Empty under -short.
var ferryBin string

func TestMain(m *testing.M) { os.Exit(testkit.MainWithFerry(m, &ferryBin)) }

// skipShort skips tests that run ferry as processes.
func skipShort(t *testing.T) {
	t.Helper()
	testkit.SkipShort(t, "fault test: runs ferry as processes")
}

// knownBug fails on a regression of a bug this suite once found (all fixed).
func knownBug(t *testing.T, what string) {
	t.Helper()
	t.Errorf("regression of a fixed bug: %s", what)
}
