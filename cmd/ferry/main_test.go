package main

import (
	"os"
	"testing"

	"github.com/ferrydata/ferry/internal/testkit"
)

// ferryBin is the ferry binary built once for tests that run it as a process
// (to kill it, or to run roles apart). Empty under -short.
var ferryBin string

func TestMain(m *testing.M) { os.Exit(testkit.MainWithFerry(m, &ferryBin)) }
