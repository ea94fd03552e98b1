package faults

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/testkit"
)

// Moments a step case changes its file: after the copy job is queued and
// before the mover runs, or after the copy and before the verifier runs.
const (
	beforeCopy   = "before copy"
	beforeVerify = "after copy, before verify"
)

// stepCase is a file that changes between two of ferry's steps.
type stepCase struct {
	name   string
	when   string
	mutate func(t *testing.T, s *site, f *stepFile) bool // false: not possible here
	want   string                                        // the dead letter's reason; "" for moved
}

// stepFile is one case's file and what the test knows of it.
type stepFile struct {
	rel     string
	data    []byte
	canary  *canary // outside the root, if the case plants one
	after   string  // what the path is after the mutation: sha256, or a file type
	skipped bool
}

// state describes what is at rel in the root: the sha256 of a regular file,
// else its type. It never reads through a symlinked directory: that would
// read a canary.
func state(s *site, rel string) string {
	dirs := strings.Split(rel, "/")
	for i := 1; i < len(dirs); i++ {
		fi, err := os.Lstat(s.path(strings.Join(dirs[:i], "/")))
		if err != nil {
			return "missing"
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return "behind a symlinked directory"
		}
	}
	p := s.path(rel)
	fi, err := os.Lstat(p)
	if err != nil {
		return "missing"
	}
	if !fi.Mode().IsRegular() {
		return fi.Mode().Type().String()
	}
	if fi.Mode().Perm() == 0 { // unreadable to ferry; the test may read it
		if os.Chmod(p, 0o644) == nil {
			defer os.Chmod(p, 0)
		}
	}
	sum, err := hashFile(p)
	if err != nil {
		return "unreadable: " + err.Error()
	}
	return sum
}

// identicalCanary plants, outside the root, a file with the same bytes and
// mtime as f: a copy taken from it or a read-back compared with it would
// pass, so only refusing the path keeps it safe.
func identicalCanary(t *testing.T, s *site, f *stepFile, path string) *canary {
	t.Helper()
	fi, err := os.Stat(s.path(f.rel))
	if err != nil {
		t.Fatal(err)
	}
	mkdirAll(t, filepath.Dir(path))
	if err := os.WriteFile(path, f.data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	return plantCanaryFile(t, path)
}

func stepCases() []stepCase {
	vanish := func(t *testing.T, s *site, f *stepFile) bool {
		must(t, os.Remove(s.path(f.rel)))
		return true
	}
	shrink := func(t *testing.T, s *site, f *stepFile) bool {
		must(t, os.Truncate(s.path(f.rel), int64(len(f.data)/2)))
		return true
	}
	grow := func(t *testing.T, s *site, f *stepFile) bool {
		fh, err := os.OpenFile(s.path(f.rel), os.O_WRONLY|os.O_APPEND, 0)
		must(t, err)
		_, err = fh.Write([]byte("one more record"))
		must(t, err)
		must(t, fh.Close())
		return true
	}
	unreadable := func(t *testing.T, s *site, f *stepFile) bool {
		if os.Geteuid() == 0 && s.cred == nil {
			return false // root reads anything
		}
		must(t, os.Chmod(s.path(f.rel), 0))
		return true
	}
	rewriteSame := func(t *testing.T, s *site, f *stepFile) bool {
		p := s.path(f.rel)
		fi, err := os.Stat(p)
		must(t, err)
		data := append([]byte(nil), f.data...)
		data[len(data)/2] ^= 0xff
		must(t, os.WriteFile(p, data, 0o644))
		must(t, os.Chtimes(p, fi.ModTime(), fi.ModTime()))
		return true
	}
	fifo := func(t *testing.T, s *site, f *stepFile) bool {
		must(t, os.Remove(s.path(f.rel)))
		must(t, syscall.Mkfifo(s.path(f.rel), 0o644))
		return true
	}
	device := func(t *testing.T, s *site, f *stepFile) bool {
		if os.Geteuid() != 0 {
			return false
		}
		must(t, os.Remove(s.path(f.rel)))
		must(t, syscall.Mknod(s.path(f.rel), syscall.S_IFCHR|0o644, 1<<8|5)) // /dev/zero
		return true
	}
	symlinkOut := func(t *testing.T, s *site, f *stepFile) bool {
		f.canary = identicalCanary(t, s, f, filepath.Join(s.outside, filepath.Dir(f.rel)+".canary", filepath.Base(f.rel)))
		must(t, os.Remove(s.path(f.rel)))
		must(t, os.Symlink(f.canary.path, s.path(f.rel)))
		return true
	}
	parentSymlink := func(t *testing.T, s *site, f *stepFile) bool {
		dir := filepath.Dir(f.rel)
		f.canary = identicalCanary(t, s, f, filepath.Join(s.outside, dir+".canary", filepath.Base(f.rel)))
		must(t, os.Rename(s.path(dir), filepath.Join(s.outside, dir+".real")))
		must(t, os.Symlink(filepath.Dir(f.canary.path), s.path(dir)))
		return true
	}
	none := func(*testing.T, *site, *stepFile) bool { return true }
	return []stepCase{
		{"untouched", "", none, ""},
		{"vanishes", beforeCopy, vanish, "source_missing"},
		{"shrinks", beforeCopy, shrink, "source_changed"},
		{"grows", beforeCopy, grow, "source_changed"},
		{"becomes unreadable", beforeCopy, unreadable, "max_attempts"},
		{"becomes a FIFO", beforeCopy, fifo, "invalid"},
		{"becomes a device", beforeCopy, device, "invalid"},
		{"becomes a symlink out of the root", beforeCopy, symlinkOut, "invalid"},
		{"its directory becomes a symlink out of the root", beforeCopy, parentSymlink, "invalid"},
		{"vanishes", beforeVerify, vanish, ""}, // the copy is whole: moved, nothing deleted
		{"shrinks", beforeVerify, shrink, "source_changed"},
		{"grows", beforeVerify, grow, "source_changed"},
		{"is rewritten keeping size and mtime", beforeVerify, rewriteSame, "source_changed"},
		{"becomes unreadable", beforeVerify, unreadable, "max_attempts"},
		{"becomes a FIFO", beforeVerify, fifo, "invalid"},
		{"becomes a symlink out of the root", beforeVerify, symlinkOut, "invalid"},
		{"its directory becomes a symlink out of the root", beforeVerify, parentSymlink, "invalid"},
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestBadInputBetweenSteps changes files between ferry's steps: after the
// copy job is queued, and after the copy before its verification. Roles run
// apart (as an unprivileged user when the test runs as root, so a chmod
// means something) and are started one stage at a time, so each change
// lands exactly between two steps. Each file ends in the dead letters with
// its reason, or moved when its copy was whole; no role dies or blocks;
// nothing outside the root is read or deleted.
func TestBadInputBetweenSteps(t *testing.T) {
	skipShort(t)
	s := newSite(t, siteOptions{
		batch:      "{files: 1, bytes: 8MiB, max_wait: 200ms}",
		retry:      "{max_attempts: 2, ack_wait: 10s, backoff: [500ms]}",
		staleAfter: "10m",
		unpriv:     true,
	})
	cases := stepCases()
	files := make([]*stepFile, len(cases))
	for i := range cases {
		files[i] = &stepFile{rel: fmt.Sprintf("case%02d/WEB-%02d.warc.gz", i, i), data: randBytes(20<<10 + i*4099)}
		s.heritrixWrite(files[i].rel, files[i].data)
	}
	nats := s.start("nats")
	if err := withJS(s.port, 90*time.Second, func(context.Context, jsConn) error { return nil }); err != nil {
		t.Fatalf("nats never came up: %v", err)
	}
	watcher, dispatcher := s.start("watcher"), s.start("dispatcher")
	waitCount(t, s, "every copy job queued", "ferry.copy.>", len(cases))
	watcher.Kill() // no rescan may announce a changed file again: each case meets one job
	dispatcher.Kill()

	mutate := func(when string) {
		for i, c := range cases {
			if c.when == when && !files[i].skipped {
				files[i].skipped = !c.mutate(t, s, files[i])
				files[i].after = state(s, files[i].rel)
			}
		}
	}
	mutate(beforeCopy)
	mover := s.start("mover")
	copied := 0
	for _, c := range cases {
		if c.when != beforeCopy {
			copied++
		}
	}
	waitCount(t, s, "every copy whole and its verify job queued", "ferry.verify.>", copied)
	mutate(beforeVerify)
	verifier := s.start("verifier")
	waitCount(t, s, "every job done or dead-lettered", "ferry.>", 0)
	for _, p := range []*testkit.Proc{nats, mover, verifier} {
		if !p.Running() {
			t.Fatalf("%s died: %v\n%s", p.Name, p.Err(), testkit.TailFile(p.Log, 20))
		}
	}
	code, out, errOut := s.ferry(time.Minute, "dead", "list")
	if code != 0 {
		t.Fatalf("ferry dead list exited %d: %s", code, errOut)
	}
	letters := parseDead(t, out)
	dead := byPath(letters)
	for _, d := range letters {
		if d.reason == "invalid" && !strings.Contains(d.err, "symlink") && !strings.Contains(d.err, "not a regular file") {
			t.Errorf("dead letter of %q says %q: want a clear word on the symlink or file type", d.path, d.err)
		}
	}
	for i, c := range cases {
		f := files[i]
		t.Run(c.when+": "+c.name, func(t *testing.T) {
			if f.skipped {
				t.Skip("not possible here")
			}
			checkStep(t, s, c, f, dead[f.rel])
		})
	}
	for _, p := range []*testkit.Proc{mover, verifier} {
		stopGracefully(t, p)
	}
	nats.Kill()

	// What is left must not keep a later `ferry run --once` from finishing.
	code, out, errOut = s.ferry(3*time.Minute, "run", "--once", "--timeout", "40s")
	if code == 2 && strings.Contains(errOut, "still pending") {
		knownBug(t, "ferry run --once waits forever for a file whose older version was dead-lettered "+
			"(cmd/ferry/once.go collect needs rec.Same; ledger.ShouldAnnounce never announces the new version)")
	} else if code != 0 && code != 1 {
		t.Errorf("ferry run --once over the leftovers exited %d:\n%s\n%s", code, out, testkit.LastLines(errOut, 15))
	}
}

// checkStep checks one case's outcome.
func checkStep(t *testing.T, s *site, c stepCase, f *stepFile, reasons []string) {
	t.Helper()
	if f.canary != nil {
		f.canary.check(t)
	}
	if c.want == "" {
		if len(reasons) > 0 {
			t.Errorf("dead-lettered %v, want moved", reasons)
		}
		if got, _ := hashFile(s.dstPath(f.rel)); got != sha(f.data) {
			t.Errorf("destination holds %q, want the file's bytes %s", got, sha(f.data))
		}
		if c.when == "" {
			if _, err := os.Lstat(s.path(f.rel)); !os.IsNotExist(err) {
				t.Errorf("source not deleted after a verified copy: %v", err)
			}
		}
		return
	}
	if len(reasons) == 0 || reasons[len(reasons)-1] != c.want {
		t.Errorf("dead letters %v, want one with reason %s", reasons, c.want)
	}
	// Nothing ferry refused was deleted or changed.
	if got := state(s, f.rel); got != f.after {
		t.Errorf("source is now %s, was left as %s", got, f.after)
	}
	if c.when == beforeCopy {
		if _, err := os.Lstat(s.dstPath(f.rel)); err == nil {
			t.Error("copied to the destination after it changed")
		}
	}
}

// waitCount waits until the site's work streams hold n messages on subjects
// matching filter.
func waitCount(t *testing.T, s *site, what, filter string, n int) {
	t.Helper()
	stream := streamJobs
	testkit.WaitFor(t, 3*time.Minute, what, func() bool {
		var got, closed uint64
		err := withJS(s.port, 10*time.Second, func(ctx context.Context, js jsConn) error {
			var err error
			if got, err = js.Count(ctx, stream, filter); err != nil {
				return err
			}
			closed, err = js.Count(ctx, streamClosed, "ferry.>")
			return err
		})
		return err == nil && got == uint64(n) && closed == 0
	})
}
