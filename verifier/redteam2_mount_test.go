package verifier

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
	// rclone's own FUSE mount, started through the rc as `rclone rc mount/mount`.
)

// Red team, round 2: a bindfs view of the source made after the start (no
// probe), which copyStays catches for a short name. A source name of 229+
// bytes has no private name within NAME_MAX (".ferry-rm-<16 hex>-" takes
// 27), so Remove deletes in place and runs copyStays with the source still
// at its name: the view still shows it, and the only copy is unlinked. The
// same holds wherever renameat2 RENAME_NOREPLACE is EINVAL (NFS, some FUSE
// sources): the last check never runs with the source moved aside.
func TestIntegrationSourceViewLongNameSkipsMoveAside(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: mounts")
	}
	if os.Geteuid() != 0 {
		t.Skip("mounts need root")
	}
	if _, err := exec.LookPath("bindfs"); err != nil {
		t.Skip("no bindfs")
	}
	transfertest.Init(t)
	for _, rel := range []string{"a.warc.gz", strings.Repeat("x", 232) + ".warc.gz"} {
		t.Run(fmt.Sprintf("name%d", len(rel)), func(t *testing.T) {
			srcDir, dstDir := t.TempDir(), t.TempDir()
			const content = "the only copy of these bytes"
			mtime := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
			p := filepath.Join(srcDir, rel)
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(p, mtime, mtime); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command("bindfs", srcDir, dstDir).CombinedOutput(); err != nil {
				t.Skipf("couldn't mount: %v: %s", err, out)
			}
			t.Cleanup(func() { _ = exec.Command("umount", dstDir).Run() })
			err := verifyCopied(t, srcDir, dstDir, rel, content, mtime)
			if _, serr := os.Stat(p); serr != nil {
				t.Errorf("the source is gone and no copy exists anywhere (%v); verifyFile = %v, want %v", serr, err, fault.ErrOverlap)
			}
		})
	}
}

// Red team, round 2: an overlay whose lower layer is the source, mounted
// after the start (no probe). The overlay keeps the lower dentry it looked
// up, and a rename in the lower layer moves that dentry along: with the
// source moved aside, copyStays' fresh open through the overlay may still
// find the file.
func TestIntegrationSourceViewOverlayViewAfterStart(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: mounts")
	}
	if os.Geteuid() != 0 {
		t.Skip("mounts need root")
	}
	transfertest.Init(t)
	srcDir, scratch, dstDir := t.TempDir(), t.TempDir(), t.TempDir()
	const rel, content = "a.warc.gz", "the only copy of these bytes"
	mtime := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	p := filepath.Join(srcDir, rel)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	up, work := filepath.Join(scratch, "up"), filepath.Join(scratch, "work")
	_ = os.Mkdir(up, 0o755)
	_ = os.Mkdir(work, 0o755)
	if out, err := exec.Command("mount", "-t", "overlay", "overlay", "-o", "lowerdir="+srcDir+",upperdir="+up+",workdir="+work, dstDir).CombinedOutput(); err != nil {
		t.Skipf("couldn't mount: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", dstDir).Run() })
	err := verifyCopied(t, srcDir, dstDir, rel, content, mtime)
	if _, serr := os.Stat(p); serr != nil {
		t.Errorf("the source is gone and no copy exists anywhere (%v); verifyFile = %v, want %v", serr, err, fault.ErrOverlap)
	}
}

// Red team, round 2: the source itself on a filesystem without renameat2
// RENAME_NOREPLACE (here a FUSE mount, bindfs; NFS is the common case on
// crawler hosts) and a destination that is another view of the same
// directory, made after the start. Remove falls back to the in-place
// delete, so copyStays runs with the source still at its name, the view
// still shows it, and the only copy is unlinked.
func TestIntegrationSourceViewSourceWithoutNoReplace(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: mounts")
	}
	if os.Geteuid() != 0 {
		t.Skip("mounts need root")
	}
	if _, err := exec.LookPath("bindfs"); err != nil {
		t.Skip("no bindfs")
	}
	transfertest.Init(t)
	realDir, srcDir, dstDir := t.TempDir(), t.TempDir(), t.TempDir()
	const rel, content = "a.warc.gz", "the only copy of these bytes"
	mtime := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	p := filepath.Join(realDir, rel)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	for _, mnt := range []string{srcDir, dstDir} {
		if out, err := exec.Command("bindfs", realDir, mnt).CombinedOutput(); err != nil {
			t.Skipf("couldn't mount: %v: %s", err, out)
		}
		// Lazily: the source's os.Root still holds the mount.
		t.Cleanup(func() { _ = exec.Command("umount", "-l", mnt).Run() })
	}
	err := verifyCopied(t, srcDir, dstDir, rel, content, mtime)
	if _, serr := os.Stat(p); serr != nil {
		t.Errorf("the source is gone and no copy exists anywhere (%v); verifyFile = %v, want %v", serr, err, fault.ErrOverlap)
	}
}
