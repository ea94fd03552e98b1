package transfer

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/relpath"
	"golang.org/x/sys/unix"
)

// RestoreQuarantined puts a file left under a private name (see
// QuarantinePrefix) by a crash back under its own name. root is a local
// source's directory and rel the slash-separated path of the private name
// inside it. Files quarantined less than minAge ago are left alone (pass
// QuarantineGrace): a Remove may be at work on them. It never replaces a
// file: if the original name is taken again, the file stays where it is and
// the error says so. It returns the restored path, or "" if nothing was done.
//
// Putting the file back is always safe: it is either the file a Remove was
// about to unlink after proving it (its job's retry verifies and removes it
// again) or one it refused to unlink.
func RestoreQuarantined(root, rel string, minAge time.Duration) (string, error) {
	name, ok := quarantinedName(path.Base(rel))
	if err := relpath.Check(rel); err != nil || !ok {
		return "", fmt.Errorf("couldn't restore %q: not a quarantined file: %w", rel, fault.ErrInvalid)
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return "", fmt.Errorf("couldn't restore %s: %w", rel, err)
	}
	defer r.Close()
	dir, priv, err := openParent(r, rel)
	if err != nil {
		return "", fmt.Errorf("couldn't restore %s in %s: %w", rel, root, err)
	}
	defer unix.Close(dir)
	var st unix.Stat_t
	if err := unix.Fstatat(dir, priv, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return "", nil // its Remove finished
		}
		return "", fmt.Errorf("couldn't restore %s in %s: %w", rel, root, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return "", fmt.Errorf("couldn't restore %s in %s: not a regular file: %w", rel, root, fault.ErrInvalid)
	}
	if time.Since(time.Unix(st.Ctim.Unix())) < minAge {
		return "", nil
	}
	if err := putBack(dir, priv, name); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return "", nil // its Remove finished meanwhile
		}
		return "", fmt.Errorf("couldn't restore %s in %s as %s (left where it is): %w", rel, root, name, err)
	}
	return path.Join(path.Dir(rel), name), nil
}

// openParent opens the directory holding rel, one component at a time from
// the root and never following a symlink, so the directory returned is the
// one inside the root that rel names now, whatever is renamed meanwhile.
// It returns an O_PATH descriptor (the caller closes it) and rel's base name.
func openParent(root *os.Root, rel string) (int, string, error) {
	top, err := root.Open(".")
	if err != nil {
		return -1, "", err
	}
	defer top.Close()
	const flags = unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	dir, err := unix.Openat(int(top.Fd()), ".", flags, 0)
	if err != nil {
		return -1, "", &os.PathError{Op: "open", Path: ".", Err: err}
	}
	parts := strings.Split(rel, "/")
	for i, p := range parts[:len(parts)-1] {
		next, err := unix.Openat(dir, p, flags, 0)
		unix.Close(dir)
		if err != nil {
			return -1, "", &os.PathError{Op: "open", Path: strings.Join(parts[:i+1], "/"), Err: err}
		}
		dir = next
	}
	return dir, parts[len(parts)-1], nil
}
