//go:build !linux

package transfer

import "errors"

// syncFilesystem: syncfs(2) is Linux's. Elsewhere a copy under crypt or
// chunker over a local directory cannot be proven on disk, and the delete
// waits: local sources are never removed there anyway (remove_other.go).
var syncFilesystem = func(string) error {
	return errors.New("syncing a whole filesystem needs Linux")
}

// dirGeneration is never known here: entries are keyed by ctime.
func dirGeneration(string) (ino, gen uint64, ok bool) { return 0, 0, false }
