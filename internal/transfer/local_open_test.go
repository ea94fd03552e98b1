package transfer_test

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
)

func TestLocalSourceWeirdNames(t *testing.T) {
	names := []string{
		"sp ace/a b.warc.gz",
		"ünï©ødé/✓.warc.gz",
		"100%#.gz",
		"colon:in:name",
		"-leading-dash",
		`quote'"mark`,
		"glob*?[x]",
		"..dots..",
	}
	root := t.TempDir()
	for _, n := range names {
		writeFile(t, root, n, "content of "+n)
	}
	src, err := transfer.OpenLocalSource(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, n := range names {
		t.Run(n, func(t *testing.T) {
			rc, fi, err := src.Open(ctx, n)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || string(b) != "content of "+n || fi.Size != int64(len(b)) || fi.Path != n {
				t.Fatalf("Open = %q, %+v, %v", b, fi, err)
			}
			if err := src.Remove(ctx, n, fi); err != nil {
				t.Fatal(err)
			}
			_, err = src.Stat(ctx, n)
			wantIs(t, "Stat after Remove", err, fault.ErrSourceMissing)
		})
	}
}

func TestLocalSourcePermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads everything")
	}
	root := t.TempDir()
	writeFile(t, root, "locked/f", "x")
	if err := os.Chmod(filepath.Join(root, "locked"), 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(root, "locked"), 0o755) })
	src, err := transfer.OpenLocalSource(root)
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Stat(t.Context(), "locked/f")
	if reason, retry := fault.Classify(err); err == nil || !retry {
		t.Fatalf("Stat = %v (%s), want a retryable error", err, reason)
	}
	// Walk reports the unreadable dir but still lists the rest.
	writeFile(t, root, "open/g", "y")
	var got []string
	err = src.Walk(t.Context(), func(fi transfer.FileInfo) error {
		got = append(got, fi.Path)
		return nil
	})
	if reason, retry := fault.Classify(err); err == nil || !retry || !slices.Equal(got, []string{"open/g"}) {
		t.Fatalf("Walk = %q, %v (%s); want [open/g] and a retryable error", got, err, reason)
	}
}

func TestOpenSourceLocalPath(t *testing.T) {
	lt := newLocalTree(t)
	src, err := transfer.OpenSource(t.Context(), lt.root)
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Stat(t.Context(), "link-to-file") // os.Root's rules, not rclone's
	wantIs(t, "Stat of a symlink", err, fault.ErrInvalid)
	_, err = transfer.OpenSource(t.Context(), filepath.Join(lt.root, "plain"))
	if err == nil {
		t.Fatal("OpenSource of a file succeeded")
	}
}
