package transfer_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// bindMount mounts dir at target, or skips the test when it cannot.
func bindMount(t *testing.T, dir, target string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("bind mounts need root: run as root to test that a bind-mounted destination is refused")
	}
	if out, err := exec.Command("mount", "--bind", dir, target).CombinedOutput(); err != nil {
		t.Skipf("couldn't bind-mount (no CAP_SYS_ADMIN?): %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", target).CombinedOutput(); err != nil {
			t.Errorf("couldn't unmount %s: %v: %s", target, err, out)
		}
	})
}

// A bind mount has no symlink to resolve: only device and inode show that
// the destination is the source under another name.
func TestCheckOverlapBindMount(t *testing.T) {
	transfertest.Init(t)
	root := t.TempDir()
	src, mnt, other := filepath.Join(root, "data", "x"), filepath.Join(root, "mnt"), filepath.Join(root, "other")
	for _, d := range []string{src, mnt, other} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bindMount(t, src, mnt)
	for _, tt := range []struct {
		name, dst, want string
	}{
		{"the mount itself", mnt, "destination " + mnt + " is " + src + " (the same device and inode: a bind mount), its own source"},
		{"a directory below the mount, not yet created", filepath.Join(mnt, "copies"), "lies inside " + src},
		{"another directory", other, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := transfer.CheckOverlap(routes([2]string{src, tt.dst}))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want == "":
			case err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, fault.ErrOverlap):
				t.Fatalf("got %v, want an overlap error containing %q", err, tt.want)
			}
		})
	}
}
