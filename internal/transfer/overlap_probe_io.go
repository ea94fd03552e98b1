package transfer

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	rfs "github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/cache"
	"github.com/rclone/rclone/fs/fspath"
	"github.com/rclone/rclone/fs/object"
)

var probeBody = []byte("ferry checks that a destination is not a source; it removes this object at once\n")

// probeObject is a written probe: its name, the directory it went to, and
// how to remove it.
type probeObject struct {
	name, dir string
	above     bool // dir is a parent of the root asked for, which does not exist yet
	remove    func(context.Context) error
}

// putProbe writes a uniquely named probe object at root. A local source's
// root is opened as the source opens it (os.OpenRoot of the configured
// path); a local destination that does not exist yet gets the object in
// its deepest existing directory, rather than directories made for it.
func putProbe(ctx context.Context, root string, source bool) (*probeObject, error) {
	name := ProbePrefix + rand.Text()
	remote, err := isRemote(root)
	if err != nil {
		return nil, err
	}
	if remote {
		f, err := cache.Get(ctx, root)
		if err != nil {
			return nil, fmt.Errorf("couldn't open %s: %w", root, err)
		}
		if dir, ok := localRoot(f); ok && source {
			// A Put would create a missing source directory; leave it missing
			// (its route then says it cannot be listed) and probe the other way.
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				return nil, fmt.Errorf("couldn't write the probe to %s: not a directory here (%v)", root, err)
			}
		}
		info := object.NewStaticObjectInfo(name, time.Now(), int64(len(probeBody)), true, nil, f)
		obj, err := f.Put(ctx, bytes.NewReader(probeBody), info)
		if err != nil {
			return nil, err
		}
		return &probeObject{name: name, dir: root, remove: obj.Remove}, nil
	}
	dir, above := root, false
	if !source {
		if dir, above, err = deepestExisting(root); err != nil {
			return nil, err
		}
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("couldn't open %s: %w", dir, err)
	}
	f, err := r.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err == nil {
		_, err = f.Write(probeBody)
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		_ = r.Remove(name)
		r.Close()
		return nil, fmt.Errorf("couldn't write %s in %s: %w", name, dir, err)
	}
	return &probeObject{name: name, dir: dir, above: above, remove: func(context.Context) error {
		defer r.Close()
		return r.Remove(name)
	}}, nil
}

// deepestExisting is p (made absolute as rclone's local backend makes it)
// or, above, its nearest ancestor that exists.
func deepestExisting(p string) (dir string, above bool, err error) {
	if dir, err = filepath.Abs(p); err != nil {
		return "", false, fmt.Errorf("couldn't make %q absolute: %w", p, err)
	}
	for {
		_, err := os.Stat(dir)
		if err == nil || !errors.Is(err, fs.ErrNotExist) || dir == filepath.Dir(dir) {
			return dir, above, err
		}
		dir, above = filepath.Dir(dir), true
	}
}

// sawProbe says whether object name is at the root of spec. A local spec is
// opened as a local source opens it (os.OpenRoot of the configured path).
func sawProbe(ctx context.Context, spec, name string) (bool, error) {
	remote, err := isRemote(spec)
	if err != nil {
		return false, err
	}
	if !remote {
		r, err := os.OpenRoot(spec)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("couldn't open %s: %w", spec, err)
		}
		defer r.Close()
		_, err = r.Lstat(name)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return err == nil, err
	}
	// Looked up from the remote's top, so that a destination's parents
	// share one connection.
	parsed, err := fspath.Parse(spec)
	if err != nil {
		return false, fmt.Errorf("couldn't parse %q: %w", spec, err)
	}
	top := ""
	if strings.HasPrefix(parsed.Path, "/") {
		top = "/"
	}
	f, err := cache.Get(ctx, parsed.ConfigString+":"+top)
	if err != nil {
		return false, fmt.Errorf("couldn't open %s: %w", spec, err)
	}
	_, err = f.NewObject(ctx, path.Join(strings.TrimPrefix(parsed.Path, "/"), name))
	switch {
	case errors.Is(err, rfs.ErrorObjectNotFound), errors.Is(err, rfs.ErrorDirNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("couldn't stat %s in %s: %w", name, spec, err)
	}
	return true, nil
}

// withParents is spec, then each of its parents as far as its text goes:
// "srv:/t/dst" gives srv:/t and srv:/ too, "srv:in" only srv: (the login's
// home). A local path is made absolute as rclone's local backend makes it.
func withParents(spec string) ([]string, error) {
	remote, err := isRemote(spec)
	if err != nil {
		return nil, err
	}
	if !remote {
		dir, err := filepath.Abs(spec)
		if err != nil {
			return nil, fmt.Errorf("couldn't make %q absolute: %w", spec, err)
		}
		all := []string{dir}
		for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
			all = append(all, filepath.Dir(dir))
		}
		return all, nil
	}
	parsed, err := fspath.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("couldn't parse %q: %w", spec, err)
	}
	all := []string{spec}
	for p := parsed.Path; p != "" && p != "/"; {
		if p = path.Dir(strings.TrimRight(p, "/")); p == "." {
			p = ""
		}
		all = append(all, parsed.ConfigString+":"+p)
	}
	return all, nil
}
