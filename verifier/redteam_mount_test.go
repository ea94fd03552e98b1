package verifier

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// Issue 7, found by a red-team review: a destination that is a stacked-filesystem view
// of the source: bindfs (FUSE, common to remap owners and modes) or an
// overlay whose lower layer is the source. The view's files have the
// source's inode numbers on another device, so neither the start-up check
// (a bind mount's device and inode) nor MayDelete's overlap rule (device
// and inode of the copy) sees that the copy is the source, and local-local
// pairs are never probed. Needs root.
func TestIntegrationDestinationViewOfSource(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: mounts")
	}
	if os.Geteuid() != 0 {
		t.Skip("mounts need root")
	}
	transfertest.Init(t)
	for _, tt := range []struct {
		name  string
		mount func(src, scratch, dst string) *exec.Cmd
	}{
		{"bindfs", func(src, _, dst string) *exec.Cmd { return exec.Command("bindfs", src, dst) }},
		{"overlay", func(src, scratch, dst string) *exec.Cmd {
			up, work := filepath.Join(scratch, "up"), filepath.Join(scratch, "work")
			_ = os.Mkdir(up, 0o755)
			_ = os.Mkdir(work, 0o755)
			return exec.Command("mount", "-t", "overlay", "overlay", "-o", "lowerdir="+src+",upperdir="+up+",workdir="+work, dst)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
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
			if out, err := tt.mount(srcDir, scratch, dstDir).CombinedOutput(); err != nil {
				t.Skipf("couldn't mount: %v: %s", err, out)
			}
			t.Cleanup(func() { _ = exec.Command("umount", dstDir).Run() })
			if err := transfer.ProbeOverlap(ctx, []transfer.RouteStorage{{Name: "r", Source: srcDir, Destination: dstDir}}); err == nil {
				t.Error("ProbeOverlap = nil: the start is allowed")
			}
			// As if the destination became this only after the start: the checks
			// before the delete alone must keep the source.
			err := verifyCopied(t, srcDir, dstDir, rel, content, mtime)
			if _, serr := os.Stat(p); serr != nil {
				t.Errorf("the source is gone and no copy exists anywhere (%v); verifyFile = %v, want %v", serr, err, fault.ErrOverlap)
			} else if !errors.Is(err, fault.ErrOverlap) {
				t.Errorf("verifyFile = %v, want %v", err, fault.ErrOverlap)
			}
		})
	}
}
