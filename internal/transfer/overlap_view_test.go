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

// wantProbe checks ProbeOverlap's verdict on routes: want "" is accepted,
// else an overlap error containing want; no probe object may be left in dirs.
func wantProbe(t *testing.T, routes []transfer.RouteStorage, want string, dirs ...string) {
	t.Helper()
	err := transfer.ProbeOverlap(t.Context(), routes)
	t.Log(err)
	switch {
	case want == "" && err != nil:
		t.Fatalf("refused: %v", err)
	case want == "":
	case err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, fault.ErrOverlap):
		t.Fatalf("got %v, want an overlap error containing %q", err, want)
	}
	for _, dir := range dirs {
		for _, name := range entries(t, dir) {
			if strings.HasPrefix(name, transfer.ProbePrefix) {
				t.Errorf("probe %s left in %s", name, dir)
			}
		}
	}
}

// Two SFTP paths that differ as text but are one directory on the server
// (a symlink there): only a probe can tell.
func TestIntegrationProbeOverlapSFTPSymlink(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs sshd")
	}
	srv := transfertest.StartSFTP(t, nil)
	src, other := filepath.Join(srv.Dir, "src"), filepath.Join(srv.Dir, "other")
	for _, d := range []string{src, other} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(src, filepath.Join(srv.Dir, "dst")); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, dst, want string }{
		{"destination a symlink to the source", "dst", "destination " + srv.Name + ":" + srv.Dir + "/dst is the same storage"},
		{"destination below that symlink", "dst/copies", "destination " + srv.Name + ":" + srv.Dir + "/dst/copies lies inside the source"},
		{"destination elsewhere", "other", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantProbe(t, routes([2]string{srv.Name + ":" + src, srv.Name + ":" + srv.Dir + "/" + tt.dst}), tt.want, src, other)
		})
	}
}

// A local destination that is a stacked view of the source (bindfs, FUSE;
// an overlay whose lower layer is the source) shows the source's inode
// numbers on another device: only a probe can tell. Needs root.
func TestProbeOverlapStackedView(t *testing.T) {
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
			for _, d := range []string{up, work} {
				if err := os.Mkdir(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			return exec.Command("mount", "-t", "overlay", "overlay", "-o", "lowerdir="+src+",upperdir="+up+",workdir="+work, dst)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			src, scratch, view, other := filepath.Join(root, "src"), filepath.Join(root, "scratch"), filepath.Join(root, "view"), filepath.Join(root, "other")
			for _, d := range []string{src, scratch, view, other} {
				if err := os.Mkdir(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if out, err := tt.mount(src, scratch, view).CombinedOutput(); err != nil {
				t.Skipf("couldn't mount: %v: %s", err, out)
			}
			t.Cleanup(func() {
				if out, err := exec.Command("umount", view).CombinedOutput(); err != nil {
					t.Errorf("couldn't unmount %s: %v: %s", view, err, out)
				}
			})
			if err := transfer.CheckOverlap(routes([2]string{src, view})); err != nil {
				t.Logf("the static check saw it already: %v", err)
			}
			wantProbe(t, routes([2]string{src, view}), "destination "+view+" is the same storage", src, view)
			wantProbe(t, routes([2]string{src, filepath.Join(view, "copies")}),
				"destination "+filepath.Join(view, "copies")+" lies inside the source", src, view)
			wantProbe(t, routes([2]string{other, view}), "", src, view, other)
		})
	}
}

// readOnly makes dir read-only for root too (a read-only bind mount over
// itself), or skips the test.
func readOnly(t *testing.T, dir string) {
	t.Helper()
	bindMount(t, dir, dir)
	if out, err := exec.Command("mount", "-o", "remount,bind,ro", dir).CombinedOutput(); err != nil {
		t.Skipf("couldn't remount %s read-only: %v: %s", dir, err, out)
	}
}

// A source that cannot be written (delete_source off, read-only) is probed
// the other way round, from the destination; where neither side can be
// written, the start fails saying so for both.
func TestProbeOverlapReadOnlySource(t *testing.T) {
	transfertest.Init(t)
	root := t.TempDir()
	src, dst, ro := filepath.Join(root, "src"), filepath.Join(root, "dst"), filepath.Join(root, "ro")
	for _, d := range []string{src, dst, ro} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	readOnly(t, src)
	readOnly(t, ro)
	wantProbe(t, routes([2]string{src, dst}), "", src, dst)
	wantProbe(t, routes([2]string{src, filepath.Join(dst, "not", "yet")}), "", src, dst)
	if _, err := os.Stat(filepath.Join(dst, "not")); err == nil {
		t.Errorf("the probe made directories in %s", dst)
	}
	err := transfer.ProbeOverlap(t.Context(), routes([2]string{src, ro}))
	t.Log(err)
	for _, want := range []string{
		"couldn't write an overlap probe to the source " + src + " of routes[0] (a), to tell it from the destination " + ro,
		"couldn't write an overlap probe to the destination " + ro + " of routes[0] (a), to tell it from the source " + src,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want an error containing %q", err, want)
		}
	}
}
