package transfer_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// TestIntegrationRemoteSourceSkipsLinks is item 9: a symlink inside a remote
// source (SFTP on a real sshd; rclone's local backend) is never listed, and
// no path through one can be opened or removed, so nothing it points at is
// ever moved or deleted.
func TestIntegrationRemoteSourceSkipsLinks(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real rclone backends")
	}
	transfertest.Init(t)
	sftp := transfertest.StartSFTP(t, nil)
	localDir := t.TempDir()
	for name, tc := range map[string]struct{ spec, dir string }{
		"sftp":          {sftp.Remote, sftp.Dir},
		"local backend": {":local:" + localDir, localDir},
	} {
		t.Run(name, func(t *testing.T) {
			testSkipsLinks(t, tc.spec, tc.dir)
		})
	}
}

func testSkipsLinks(t *testing.T, spec, dir string) {
	outside := t.TempDir()
	writeFile(t, outside, "elsewhere.warc.gz", "not the source's")
	writeFile(t, dir, "real/a.warc.gz", "a")
	writeFile(t, dir, "real/sub/b.warc.gz", "bb")
	for link, target := range map[string]string{
		"linkdir":             filepath.Join(dir, "real"), // a symlinked directory inside the source
		"out":                 outside,                    // and one leading out of it
		"real/link.warc.gz":   "a.warc.gz",                // a symlinked file
		"real/escape.warc.gz": filepath.Join(outside, "elsewhere.warc.gz"),
	} {
		if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	src, err := transfer.OpenRemoteSource(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	err = src.Walk(t.Context(), func(fi transfer.FileInfo) error {
		listed = append(listed, fi.Path)
		return nil
	})
	slices.Sort(listed)
	if want := []string{"real/a.warc.gz", "real/sub/b.warc.gz"}; err != nil || !slices.Equal(listed, want) {
		t.Errorf("Walk listed %v, %v; want %v", listed, err, want)
	}
	if _, err := src.Stat(t.Context(), "real/a.warc.gz"); err != nil {
		t.Errorf("Stat of a real file: %v", err)
	}
	for _, rel := range []string{"linkdir/a.warc.gz", "linkdir/sub/b.warc.gz", "out/elsewhere.warc.gz", "real/link.warc.gz", "real/escape.warc.gz"} {
		if _, err := src.Stat(t.Context(), rel); err == nil {
			t.Errorf("Stat(%s) through a symlink succeeded", rel)
		}
		if rc, _, err := src.Open(t.Context(), rel); err == nil {
			rc.Close()
			t.Errorf("Open(%s) through a symlink succeeded", rel)
		}
		// Even with the identity of a real file the link may lead to.
		hashed, _ := src.Stat(t.Context(), "real/a.warc.gz")
		hashed.Path = rel
		if err := src.Remove(t.Context(), rel, hashed); err == nil {
			t.Errorf("Remove(%s) through a symlink succeeded", rel)
		}
	}
	for _, p := range []string{"real/a.warc.gz", "real/sub/b.warc.gz", "real/link.warc.gz"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s is gone: %v", p, err)
		}
	}
	if _, err := os.Stat(filepath.Join(outside, "elsewhere.warc.gz")); errors.Is(err, os.ErrNotExist) {
		t.Error("the file outside the source was deleted")
	}
}
