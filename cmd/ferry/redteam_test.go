package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 7, found by a red-team review, end to end with a stock config: an object at the
// destination that ferry did not write, a symlink to the source file (a
// symlink farm staged by an operator or another tool). rclone's local
// backend, with links off, reports the link's own size (its target's
// length) and reads the file it points to. For a file as long as that
// target (the target can be padded with slashes up to PATH_MAX, so any
// file under 4 KiB), the mover takes the link for an identical existing
// copy and the verifier, whose identity lstats the link, deletes the only
// copy: `moved: 1`, exit 0.
func TestIntegrationRunOnceDestinationSymlinkToSource(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	s := newSite(t, siteOptions{})
	const rel = "job/warcs/WEB-1.warc.gz"
	data := randomBytes(t, 3000)
	s.heritrixWrite(rel, data)
	src := filepath.Join(s.src, rel)
	target := strings.Repeat("/", len(data)-len(src)) + src
	link := filepath.Join(s.dst, rel)
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := s.runFerry("run", "--once", "--timeout", "1m")
	t.Logf("ferry run --once exited %d\nstdout: %s\nstderr: %s", code, out, errOut)
	if _, err := os.Stat(src); err != nil {
		t.Errorf("the source is gone (%v) and the destination holds only a dangling symlink", err)
	}
}

// Issue 7, found by a red-team review, end to end: the destination is a bindfs view of
// the source (FUSE; an operator's way to give the archive other owners).
// The view shows the source's inode numbers on another device: the
// start-up check takes it for another directory, local pairs are never
// probed, and MayDelete's device+inode rule does not fire. Needs root and
// bindfs.
func TestIntegrationRunOnceBindfsDestination(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	if _, err := exec.LookPath("bindfs"); err != nil || os.Geteuid() != 0 {
		t.Skip("needs root and bindfs")
	}
	s := newSite(t, siteOptions{})
	const rel = "job/warcs/WEB-1.warc.gz"
	s.heritrixWrite(rel, randomBytes(t, 100_000))
	if err := os.MkdirAll(s.dst, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("bindfs", s.src, s.dst).CombinedOutput(); err != nil {
		t.Skipf("couldn't mount bindfs: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", s.dst).Run() })

	code, out, errOut := s.runFerry("run", "--once", "--timeout", "1m")
	t.Logf("ferry run --once exited %d\nstdout: %s\nstderr: %s", code, out, errOut)
	if _, err := os.Stat(filepath.Join(s.src, rel)); err != nil {
		t.Errorf("the source is gone (%v) and no copy exists anywhere", err)
	}
}
