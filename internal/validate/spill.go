package validate

import (
	"fmt"
	"os"
	"path/filepath"
)

// CleanSpillDir removes what validators left in their spill directory (the
// spillDir New is given): the temporary files of a process killed in the
// middle of a validation, which nothing else would ever remove. It runs at
// a mover's or verifier's start. Another ferry process validating in the
// same directory just then loses nothing: a spill file is used only
// through the descriptor its validator holds, and its name is only for the
// remove at the end (which then finds it gone). It returns how many entries
// it removed; a directory that does not exist holds none.
func CleanSpillDir(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("couldn't list the validators' spill directory: %w", err)
	}
	removed := 0
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return removed, fmt.Errorf("couldn't remove a spill file left by an earlier run: %w", err)
		}
		removed++
	}
	return removed, nil
}
