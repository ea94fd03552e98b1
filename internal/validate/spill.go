package validate

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// spillFilePrefix begins the name of each temporary file gowarc's disk
// buffer makes (os.CreateTemp in its internal/diskbuffer, v3.1.0): the only
// files validators spill.
const spillFilePrefix = "tmp-diskbuffer-"

// CleanSpillDir removes what validators left in their spill directory (the
// spillDir New is given): the temporary files of a process killed in the
// middle of a validation, which nothing else would ever remove. It runs at
// a mover's or verifier's start. Another ferry process validating in the
// same directory just then loses nothing: a spill file is used only
// through the descriptor its validator holds, and its name is only for the
// remove at the end (which then finds it gone). It returns how many entries
// it removed; a directory that does not exist holds none. Anything else
// in the directory is left where it is.
func CleanSpillDir(dir string) (int, error) {
	// Never through a symlink: its target (a crawler's directory, by an
	// operator's slip) would lose files that were never copied.
	fi, err := os.Lstat(dir)
	if os.IsNotExist(err) {
		return 0, nil
	}
	if err == nil && !fi.IsDir() {
		return 0, fmt.Errorf("the validators' spill directory %s is a %s, not a directory: nothing in it is removed", dir, fi.Mode().Type())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("couldn't list the validators' spill directory: %w", err)
	}
	removed := 0
	for _, e := range entries {
		// Only the warc validator's own files: a directory mounted over the
		// spill dir (a crawler's job, by an operator's slip) loses nothing.
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), spillFilePrefix) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return removed, fmt.Errorf("couldn't remove a spill file left by an earlier run: %w", err)
		}
		removed++
	}
	return removed, nil
}
