package transfer_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/relpath"
	"github.com/ferrydata/ferry/internal/transfer"
)

// localTree is a source root holding one file of each awkward kind, and an
// outside dir it must never reach.
type localTree struct {
	root, outside string
	src           transfer.Source
}

func newLocalTree(t *testing.T) localTree {
	t.Helper()
	lt := localTree{root: t.TempDir(), outside: t.TempDir()}
	writeFile(t, lt.outside, "secret.txt", "outside")
	writeFile(t, lt.root, "real/f.warc.gz", "inside")
	writeFile(t, lt.root, "plain", "plain")
	symlink(t, filepath.Join(lt.root, "plain"), lt.root, "link-to-file")
	symlink(t, filepath.Join(lt.outside, "secret.txt"), lt.root, "link-out")
	symlink(t, lt.outside, lt.root, "escape")
	symlink(t, filepath.Join(lt.root, "real"), lt.root, "alias")
	if err := syscall.Mkfifo(filepath.Join(lt.root, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := transfer.OpenLocalSource(lt.root)
	if err != nil {
		t.Fatal(err)
	}
	lt.src = src
	return lt
}

func writeFile(t *testing.T, dir, rel, content string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func symlink(t *testing.T, target, dir, name string) {
	t.Helper()
	if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

func wantIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: err = %v, want %v", what, err, target)
	}
}

func TestLocalSourceRefuses(t *testing.T) {
	lt := newLocalTree(t)
	ctx := t.Context()
	tests := []struct {
		name string
		rel  string
		want error
	}{
		{"symlink to file", "link-to-file", fault.ErrInvalid},
		{"symlink out of root", "link-out", fault.ErrInvalid},
		{"symlinked parent out of root", "escape/secret.txt", fault.ErrInvalid},
		{"symlinked parent inside root", "alias/f.warc.gz", fault.ErrInvalid},
		{"FIFO", "fifo", fault.ErrInvalid},
		{"directory", "real", fault.ErrInvalid},
		{"dot-dot", "../secret.txt", fault.ErrInvalid},
		{"absolute", filepath.Join(lt.outside, "secret.txt"), fault.ErrInvalid},
		{"newline", "plain\n", fault.ErrInvalid},
		{"missing", "nope.warc.gz", fault.ErrSourceMissing},
		{"missing parent", "nope/x", fault.ErrSourceMissing},
		{"parent is a file", "plain/x", fault.ErrSourceMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := lt.src.Stat(ctx, tt.rel)
			wantIs(t, "Stat", err, tt.want)
			done := make(chan error, 1)
			go func() { // a FIFO opened without O_NONBLOCK would hang here
				rc, _, err := lt.src.Open(ctx, tt.rel)
				if rc != nil {
					rc.Close()
				}
				done <- err
			}()
			select {
			case err := <-done:
				wantIs(t, "Open", err, tt.want)
			case <-time.After(5 * time.Second):
				t.Fatal("Open blocked")
			}
			wantIs(t, "Remove", lt.src.Remove(ctx, tt.rel, transfer.FileInfo{}), tt.want)
		})
	}
	// Nothing was removed, inside or out.
	for _, p := range []string{"link-to-file", "link-out", "escape", "alias", "fifo", "real/f.warc.gz", "plain"} {
		if _, err := os.Lstat(filepath.Join(lt.root, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	if _, err := os.Stat(filepath.Join(lt.outside, "secret.txt")); err != nil {
		t.Errorf("outside file: %v", err)
	}
}

func TestLocalSourceWalk(t *testing.T) {
	lt := newLocalTree(t)
	writeFile(t, lt.root, "bad\nname", "x") // reported, for the caller to reject
	var got []string
	err := lt.src.Walk(t.Context(), func(fi transfer.FileInfo) error {
		got = append(got, fi.Path)
		if relpath.Check(fi.Path) != nil {
			return nil
		}
		st, err := lt.src.Stat(t.Context(), fi.Path)
		if err != nil || st.Size != fi.Size || !st.ModTime.Equal(fi.ModTime) {
			t.Errorf("Stat(%q) = %+v, %v; Walk said %+v", fi.Path, st, err, fi)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bad\nname", "plain", "real/f.warc.gz"}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("Walk = %q, want %q", got, want)
	}
}

func TestLocalSourceWalkStops(t *testing.T) {
	lt := newLocalTree(t)
	stop := errors.New("stop")
	if err := lt.src.Walk(t.Context(), func(transfer.FileInfo) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("Walk = %v, want the callback's error", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := lt.src.Walk(ctx, func(transfer.FileInfo) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("Walk on a cancelled context = %v", err)
	}
}

// hashedFile opens rel as the verifier does before a delete and returns the
// identity of what it read.
func hashedFile(t *testing.T, src transfer.Source, rel string) transfer.FileInfo {
	t.Helper()
	rc, fi, err := src.Open(t.Context(), rel)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.Copy(io.Discard, rc); err != nil {
		t.Fatal(err)
	}
	return fi
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return string(b)
}

// noPrivateNames fails if a Remove left one of its private names behind.
func noPrivateNames(t *testing.T, dir string) {
	t.Helper()
	if names := privateNames(t, dir); len(names) > 0 {
		t.Errorf("left behind: %q", names)
	}
}

func privateNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if transfer.IsQuarantined(e.Name()) {
			names = append(names, e.Name())
		}
	}
	return names
}
