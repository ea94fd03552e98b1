package transfer

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncFilesystem flushes everything written to the filesystem holding
// dir (syncfs(2)); a test counts the calls through it.
var syncFilesystem = func(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Syncfs(int(f.Fd()))
}
