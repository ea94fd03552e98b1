package transfer_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
)

func TestLocalRemoveRenamedOver(t *testing.T) {
	root := t.TempDir()
	a := writeFile(t, root, "d/a.warc.gz", "hashed bytes")
	b := writeFile(t, root, "d/b.tmp", "other! bytes") // same size
	mtime := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	for _, p := range []string{a, b} {
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	src, err := transfer.OpenLocalSource(root)
	if err != nil {
		t.Fatal(err)
	}
	hashed := hashedFile(t, src, "d/a.warc.gz")
	// mv a a.moved; mv b a: the path now names another file of equal size and mtime.
	if err := os.Rename(a, a+".moved"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(b, a); err != nil {
		t.Fatal(err)
	}
	err = src.Remove(t.Context(), "d/a.warc.gz", hashed)
	wantIs(t, "Remove of a file renamed over", err, fault.ErrSourceChanged)
	if got := readFile(t, a); got != "other! bytes" {
		t.Errorf("the file now at the path holds %q", got)
	}
	if got := readFile(t, a+".moved"); got != "hashed bytes" {
		t.Errorf("the hashed file holds %q", got)
	}
	noPrivateNames(t, filepath.Dir(a))
	// Changed in place (same inode, new bytes, mtime put back): ctime tells.
	hashed = hashedFile(t, src, "d/a.warc.gz")
	if err := os.WriteFile(a, []byte("rewritten!!!"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(a, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	wantIs(t, "Remove of a file rewritten in place", src.Remove(t.Context(), "d/a.warc.gz", hashed), fault.ErrSourceChanged)
	if got := readFile(t, a); got != "rewritten!!!" {
		t.Errorf("the rewritten file holds %q", got)
	}
	// The file as it is now is removed, and nothing else.
	if err := src.Remove(t.Context(), "d/a.warc.gz", hashedFile(t, src, "d/a.warc.gz")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(a); !os.IsNotExist(err) {
		t.Errorf("after Remove: %v", err)
	}
	readFile(t, a+".moved")
	noPrivateNames(t, filepath.Dir(a))
}

// openWriter starts a process holding p open for appending, as a writer that
// pauses (a cp over NFS, curl -o) does, and waits until it has it open.
func openWriter(t *testing.T, p string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sh", "-c", `exec 3>>"$1"; exec sleep 30`, "sh", p)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		link, _ := os.Readlink(filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "fd", "3"))
		if link == p {
			return cmd
		}
		if time.Now().After(deadline) {
			t.Fatalf("writer never opened %s", p)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLocalRemoveOpenForWriting(t *testing.T) {
	for _, tt := range []struct {
		name  string
		lease bool
	}{{"read lease", true}, {"proc scan", false}} {
		t.Run(tt.name, func(t *testing.T) {
			defer transfer.SetTryLease(tt.lease)()
			root := t.TempDir()
			p := writeFile(t, root, "a.warc.gz", "first half")
			src, err := transfer.OpenLocalSource(root)
			if err != nil {
				t.Fatal(err)
			}
			hashed := hashedFile(t, src, "a.warc.gz")
			w := openWriter(t, p)
			err = src.Remove(t.Context(), "a.warc.gz", hashed)
			t.Log(err)
			wantIs(t, "Remove while a writer has it open", err, fault.ErrSourceBusy)
			if _, retry := fault.Classify(err); !retry {
				t.Errorf("busy is not retried: %v", err)
			}
			if got := readFile(t, p); got != "first half" {
				t.Errorf("file holds %q", got)
			}
			noPrivateNames(t, root)
			_ = w.Process.Kill()
			_ = w.Wait()
			if err := src.Remove(t.Context(), "a.warc.gz", hashed); err != nil {
				t.Fatalf("Remove after the writer exited: %v", err)
			}
			if _, err := os.Lstat(p); !os.IsNotExist(err) {
				t.Errorf("after Remove: %v", err)
			}
			noPrivateNames(t, root)
		})
	}
}

// A writer opening the file while Remove holds its lease, after the checks
// and before the unlink, keeps the file: the breaking lease is seen.
func TestLocalRemoveWriterArrivesDuringDelete(t *testing.T) {
	root := t.TempDir()
	p := writeFile(t, root, "a.warc.gz", "bytes")
	src, err := transfer.OpenLocalSource(root)
	if err != nil {
		t.Fatal(err)
	}
	hashed := hashedFile(t, src, "a.warc.gz")
	var w *exec.Cmd
	transfer.SetTestHookQuarantined(func() {
		priv := privateNames(t, root)
		if len(priv) != 1 {
			t.Fatalf("private names during the delete: %q", priv)
		}
		// Its open blocks until the lease is given up: not waited for here.
		w = exec.Command("sh", "-c", `exec 3>>"$1"; exec sleep 30`, "sh", filepath.Join(root, priv[0]))
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
	})
	defer transfer.SetTestHookQuarantined(nil)
	t.Cleanup(func() {
		if w != nil {
			_ = w.Process.Kill()
			_ = w.Wait()
		}
	})
	err = src.Remove(t.Context(), "a.warc.gz", hashed)
	t.Log(err)
	wantIs(t, "Remove while a writer opens the file", err, fault.ErrSourceBusy)
	if got := readFile(t, p); got != "bytes" {
		t.Errorf("file holds %q", got)
	}
	noPrivateNames(t, root)
}

// A name too long for a private name beside it is checked and unlinked in
// place: still refused when renamed over, still removed when it is the file.
func TestLocalRemoveLongName(t *testing.T) {
	root := t.TempDir()
	rel := strings.Repeat("n", 240) + ".warc.gz"
	p := writeFile(t, root, rel, "hashed bytes")
	src, err := transfer.OpenLocalSource(root)
	if err != nil {
		t.Fatal(err)
	}
	hashed := hashedFile(t, src, rel)
	writeFile(t, root, "other", "other! bytes")
	if err := os.Rename(filepath.Join(root, "other"), p); err != nil {
		t.Fatal(err)
	}
	wantIs(t, "Remove of a long name renamed over", src.Remove(t.Context(), rel, hashed), fault.ErrSourceChanged)
	if got := readFile(t, p); got != "other! bytes" {
		t.Fatalf("file holds %q", got)
	}
	if err := src.Remove(t.Context(), rel, hashedFile(t, src, rel)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(p); !os.IsNotExist(err) {
		t.Fatalf("after Remove: %v", err)
	}
}

// Remove's last checks run with the file already moved aside (its name is
// free) and right before the unlink; a failing check keeps the file under
// its own name. The verifier checks there that the copy is still whole.
func TestLocalRemoveLastChecks(t *testing.T) {
	root := t.TempDir()
	a := writeFile(t, root, "d/a.warc.gz", "hashed bytes")
	src, err := transfer.OpenLocalSource(root)
	if err != nil {
		t.Fatal(err)
	}
	var nameFreeDuringCheck bool
	aside := func(context.Context) error {
		_, err := os.Lstat(a)
		nameFreeDuringCheck = os.IsNotExist(err)
		return nil
	}
	refuse := func(context.Context) error { return fmt.Errorf("the copy vanished: %w", fault.ErrOverlap) }

	err = src.Remove(t.Context(), "d/a.warc.gz", hashedFile(t, src, "d/a.warc.gz"), aside, refuse)
	wantIs(t, "Remove with a failing last check", err, fault.ErrOverlap)
	if !nameFreeDuringCheck {
		t.Error("the last check ran while the file still had its name")
	}
	if got := readFile(t, a); got != "hashed bytes" {
		t.Errorf("the file kept after a failing check holds %q", got)
	}
	noPrivateNames(t, filepath.Dir(a))

	if err := src.Remove(t.Context(), "d/a.warc.gz", hashedFile(t, src, "d/a.warc.gz"), aside); err != nil {
		t.Fatalf("Remove with a passing last check: %v", err)
	}
	if _, err := os.Lstat(a); !os.IsNotExist(err) {
		t.Errorf("the file is still there after a passing check: %v", err)
	}
	noPrivateNames(t, filepath.Dir(a))
}
