package transfer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// fileID is a directory's identity: a bind mount shows its origin's.
type fileID struct{ dev, ino uint64 }

// localDir is a local path resolved as far as the disk allows.
type localDir struct {
	path   string   // symlinks of the deepest existing ancestor resolved; the rest as written
	exists bool     // the whole path exists
	ids    []fileID // of the deepest existing ancestor and each of its parents, nearest first
}

// resolveLocal resolves p (absolute and clean) through symlinks, however
// much of it exists: a destination is often created by its first copy.
func resolveLocal(p string) (localDir, error) {
	existing, rest := p, ""
	for {
		_, err := os.Stat(existing)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) || existing == filepath.Dir(existing) {
			return localDir{}, fmt.Errorf("couldn't stat %s: %w", existing, err)
		}
		rest = filepath.Join(filepath.Base(existing), rest)
		existing = filepath.Dir(existing)
	}
	real, err := filepath.EvalSymlinks(existing)
	if err != nil {
		return localDir{}, fmt.Errorf("couldn't resolve symlinks of %s: %w", existing, err)
	}
	d := localDir{path: filepath.Join(real, rest), exists: rest == ""}
	for dir := real; ; dir = filepath.Dir(dir) {
		var st syscall.Stat_t
		if err := syscall.Stat(dir, &st); err != nil {
			return localDir{}, fmt.Errorf("couldn't stat %s: %w", dir, err)
		}
		d.ids = append(d.ids, fileID{dev: uint64(st.Dev), ino: st.Ino}) //nolint:unconvert // Dev is not uint64 everywhere
		if dir == filepath.Dir(dir) {
			return d, nil
		}
	}
}

// localOverlap says how destination dst overlaps source src, or "" if it
// does not. below means dst is somewhere strictly below its path.
func localOverlap(dst localDir, below bool, src localDir) string {
	same := dst.exists && !below
	switch {
	case dst.path == src.path && !below:
		return "resolves to " + src.path
	case within(dst.path, src.path) || (below && dst.path == src.path):
		return "lies inside " + src.path
	}
	if !src.exists {
		return ""
	}
	// Same device and inode as the source or one of its ancestors: the
	// same directory under another name, which only a mount gives.
	for i, id := range dst.ids {
		if id == src.ids[0] {
			if i == 0 && same {
				return "is " + src.path + " (the same device and inode: a bind mount)"
			}
			return "lies inside " + src.path + " (through a directory with its device and inode: a bind mount)"
		}
	}
	return ""
}

// within says whether p lies strictly inside dir.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, "../")
}
