package faults

import (
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// canary is a file outside a route's root that ferry must never read,
// change or delete. Reads are caught by its access time where the file
// system keeps one (atime or relatime, not noatime).
type canary struct {
	path  string
	sha   string
	atime time.Time
}

var (
	oldAtime = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	oldMtime = time.Date(2001, 1, 2, 0, 0, 0, 0, time.UTC) // later than atime: relatime updates on a read
)

// plantCanary writes data at path with an old access time, earlier than
// its mtime, so any read moves the access time.
func plantCanary(t *testing.T, path string, data []byte) *canary {
	t.Helper()
	mkdirAll(t, filepath.Dir(path))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return plantCanaryFile(t, path)
}

// plantCanaryFile makes an existing file a canary, keeping its mtime if it
// is later than the old access time.
func plantCanaryFile(t *testing.T, path string) *canary {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	mtime := fi.ModTime()
	if !mtime.After(oldAtime) {
		mtime = oldMtime
	}
	if err := os.Chtimes(path, oldAtime, mtime); err != nil {
		t.Fatal(err)
	}
	sum, err := hashFile(path) // reads it: set the access time back again
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, oldAtime, mtime); err != nil {
		t.Fatal(err)
	}
	return &canary{path: path, sha: sum, atime: oldAtime}
}

// check fails the test if the canary was read, changed or deleted.
func (c *canary) check(t *testing.T) {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Lstat(c.path, &st); err != nil {
		t.Errorf("canary %s outside the root is gone: %v", c.path, err)
		return
	}
	if atime := time.Unix(st.Atim.Unix()); atimeWorks(t) && !atime.Equal(c.atime) {
		t.Errorf("canary %s outside the root was read (access time %s)", c.path, atime)
	}
	if got, err := hashFile(c.path); err != nil || got != c.sha {
		t.Errorf("canary %s outside the root changed: %s (%v), want %s", c.path, got, err, c.sha)
	}
}

var (
	atimeOnce sync.Once
	atimeOK   bool
)

// atimeWorks reports whether reading a file in the temp dir moves its access
// time; if not, canaries can only tell changes and deletes, not reads.
func atimeWorks(t *testing.T) bool {
	atimeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ferry-atime-")
		if err != nil {
			return
		}
		defer os.RemoveAll(dir)
		p := filepath.Join(dir, "probe")
		if os.WriteFile(p, []byte("probe"), 0o644) != nil || os.Chtimes(p, oldAtime, oldMtime) != nil {
			return
		}
		if _, err := os.ReadFile(p); err != nil {
			return
		}
		fi, err := os.Stat(p)
		if err != nil {
			return
		}
		st := fi.Sys().(*syscall.Stat_t)
		atimeOK = !time.Unix(st.Atim.Unix()).Equal(oldAtime)
	})
	if !atimeOK {
		t.Log("this file system does not update access times: canaries catch changes and deletes, not reads")
	}
	return atimeOK
}
