package transfer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// hookFsync calls seen with the path of each file synced until the test
// ends. The syncs run in the caller of Put or Durable, so seen's record is
// complete when they return.
func hookFsync(t *testing.T, seen func(path string)) {
	var mu sync.Mutex
	old := fsync
	fsync = func(f *os.File) error {
		mu.Lock()
		seen(f.Name())
		mu.Unlock()
		return f.Sync()
	}
	t.Cleanup(func() { fsync = old })
}

// putCopy is the mover's Put of a small copy at rel; a failure ends the test.
func putCopy(t *testing.T, d *Destination, rel string) {
	t.Helper()
	if _, err := d.Put(t.Context(), rel, strings.NewReader("bytes"), 5, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
}

// copyAndMakeDurable is a copy's Put and then the verifier's Durable of it
// before the delete.
func copyAndMakeDurable(t *testing.T, d *Destination, rel string) {
	t.Helper()
	putCopy(t, d, rel)
	if err := d.Durable(t.Context(), rel); err != nil {
		t.Fatal(err)
	}
}

// A local copy is synced to disk before it takes its final name, and its
// directories after; Durable, run before a delete, syncs the copy and its
// directory again (a copy left by an earlier attempt may never have been).
func TestLocalCopyIsSyncedBeforeItsNameAndBeforeTheDelete(t *testing.T) {
	root := t.TempDir()
	type synced struct {
		path      string
		finalSeen bool // the copy had its final name when this sync ran
	}
	var calls []synced
	final := filepath.Join(root, "job", "warcs", "a.warc.gz")
	hookFsync(t, func(path string) {
		_, err := os.Lstat(final)
		calls = append(calls, synced{path, err == nil})
	})

	d, err := OpenDestination(t.Context(), root, SHA256)
	if err != nil {
		t.Fatal(err)
	}
	putCopy(t, d, "job/warcs/a.warc.gz")
	if len(calls) < 2 {
		t.Fatalf("Put synced %v, want the upload and its directory", calls)
	}
	upload := calls[0]
	if upload.finalSeen || !strings.HasPrefix(filepath.Base(upload.path), "a.warc.gz.") {
		t.Fatalf("first sync = %+v, want the partial upload before it took its name", upload)
	}
	var dirs []string
	for _, c := range calls[1:] {
		if !c.finalSeen {
			t.Fatalf("directory %s synced before the rename: the name is not durable", c.path)
		}
		dirs = append(dirs, c.path)
	}
	if !slices.Contains(dirs, filepath.Dir(final)) || !slices.Contains(dirs, filepath.Join(root, "job")) {
		t.Fatalf("Put synced directories %v, want %s and the new %s above it", dirs, filepath.Dir(final), filepath.Join(root, "job"))
	}

	// A second copy in a new directory beside the first: the shared parent
	// gains that directory's entry and is synced again.
	calls = nil
	if _, err := d.Put(t.Context(), "job/logs/crawl.log.20261202", strings.NewReader("log"), 3, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	dirs = nil
	for _, c := range calls {
		dirs = append(dirs, c.path)
	}
	if !slices.Contains(dirs, filepath.Join(root, "job", "logs")) || !slices.Contains(dirs, filepath.Join(root, "job")) {
		t.Fatalf("a copy in a new directory synced %v, want job/logs and job (which gained it)", dirs)
	}
	// (The root is synced again too: job's ctime changed when it gained
	// logs, and a changed directory is not trusted to be the one synced.)

	// Durable, before the delete: nothing to do for a copy this process
	// synced with its name and nobody touched since, but the entries above
	// it that changed since (job gained logs); a copy changed since (here
	// its mode: any change gives it a new ctime) is synced again with its
	// directory, and so is one written by someone else.
	durable := func() []string {
		t.Helper()
		calls = nil
		if err := d.Durable(t.Context(), "job/warcs/a.warc.gz"); err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, c := range calls {
			paths = append(paths, c.path)
		}
		return paths
	}
	if paths := durable(); slices.Contains(paths, final) || slices.Contains(paths, filepath.Dir(final)) {
		t.Fatalf("Durable of a copy Put synced just now synced %v, want neither the copy's bytes nor its directory again", paths)
	}
	putCopy(t, d, "job/warcs/moved.warc.gz")
	// Its directory moved away and back: the copy's ctime is as it was, but
	// warcs's entry in job is new, and not durable until job is synced.
	warcs := filepath.Dir(final)
	if err := os.Rename(warcs, warcs+".away"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(warcs+".away", warcs); err != nil {
		t.Fatal(err)
	}
	calls = nil
	if err := d.Durable(t.Context(), "job/warcs/moved.warc.gz"); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, c := range calls {
		paths = append(paths, c.path)
	}
	if !slices.Contains(paths, filepath.Join(root, "job")) {
		t.Fatalf("Durable of a copy whose directory moved away and back synced %v, want %s (the directory's new entry)", paths, filepath.Join(root, "job"))
	}
	if err := os.Chmod(final, 0o600); err != nil {
		t.Fatal(err)
	}
	if paths := durable(); !slices.Contains(paths, final) || !slices.Contains(paths, filepath.Dir(final)) {
		t.Fatalf("Durable of a copy changed since synced %v, want the copy %s and its directory", paths, final)
	}
	other := filepath.Join(root, "job", "warcs", "b.warc.gz")
	if err := os.WriteFile(other, []byte("left by a killed attempt"), 0o644); err != nil {
		t.Fatal(err)
	}
	calls = nil
	if err := d.Durable(t.Context(), "job/warcs/b.warc.gz"); err != nil {
		t.Fatal(err)
	}
	if len(calls) == 0 || calls[0].path != other {
		t.Fatalf("Durable of a copy written by another synced %+v, want %s first", calls, other)
	}
}
