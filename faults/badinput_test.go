package faults

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/testkit"
)

// diskCase is bad input lying in a route's root before and while ferry runs.
type diskCase struct {
	name string
	// setup creates the input under its own directory; it reports false if
	// this machine cannot (a device node needs root).
	setup func(t *testing.T, s *site) bool
	// seen says the daemon has dealt with it (a log line, a move).
	seen func(s *site, log []logRecord) bool
	// check looks at the outcome once the daemon has stopped.
	check func(t *testing.T, s *site, log []logRecord, dead map[string][]string)
}

// skipped is the watcher's warning for a file it refuses, matched by path
// (as slog writes it into JSON: each invalid UTF-8 byte becomes U+FFFD,
// as a conversion to runes does) and reason.
func skipped(rel, reason string) func(*site, []logRecord) bool {
	return func(_ *site, log []logRecord) bool {
		return len(findLog(log, "skipping file", map[string]string{"file": string([]rune(rel)), "reason": reason})) > 0
	}
}

// movedFile says rel is gone from the source and its bytes are at the destination.
func movedFile(rel, sha string) func(*site, []logRecord) bool {
	return func(s *site, _ []logRecord) bool {
		_, err := os.Lstat(s.path(rel))
		got, _ := hashFile(s.dstPath(rel))
		return os.IsNotExist(err) && got == sha
	}
}

// keptAs checks that rel is still in the root, of the given type, and was
// neither copied nor dead-lettered (it was never a file ferry could take).
func keptAs(rel string, mode os.FileMode) func(*testing.T, *site, []logRecord, map[string][]string) {
	return func(t *testing.T, s *site, _ []logRecord, dead map[string][]string) {
		fi, err := os.Lstat(s.path(rel))
		if err != nil {
			t.Fatalf("%q is gone from the source: %v", rel, err)
		}
		if fi.Mode().Type() != mode.Type() {
			t.Errorf("%q is now a %v, want %v", rel, fi.Mode().Type(), mode.Type())
		}
		if _, err := os.Lstat(s.dstPath(rel)); err == nil {
			t.Errorf("%q was copied to the destination", rel)
		}
		if len(dead[rel]) > 0 {
			t.Errorf("%q dead-lettered (%v): the watcher should refuse it before any job", rel, dead[rel])
		}
	}
}

// TestBadInputOnDisk puts what a crawler host may hold besides closed WARCs
// into a route's root under a running `ferry run`: each gets a clear log line
// or a move, the daemon keeps running and moves a good file written last,
// and nothing outside the root is read or deleted.
func TestBadInputOnDisk(t *testing.T) {
	skipShort(t)
	s := newSite(t, siteOptions{batch: "{files: 5, bytes: 1MiB, max_wait: 300ms}"})
	canaries := map[string]*canary{}
	big := randBytes(3 << 20)
	small := randBytes(10 << 10)
	cases := []diskCase{
		{
			name: "FIFO",
			setup: func(t *testing.T, s *site) bool {
				s.mkdir(filepath.Dir(s.path("fifo/x.warc.gz")))
				if err := syscall.Mkfifo(s.path("fifo/x.warc.gz"), 0o644); err != nil {
					t.Fatal(err)
				}
				return true
			},
			seen:  skipped("fifo/x.warc.gz", "not_regular"),
			check: keptAs("fifo/x.warc.gz", os.ModeNamedPipe),
		},
		{
			name: "device node (as /dev/zero: endless if ever read)",
			setup: func(t *testing.T, s *site) bool {
				if os.Geteuid() != 0 {
					return false
				}
				s.mkdir(filepath.Dir(s.path("device/zero.warc.gz")))
				if err := syscall.Mknod(s.path("device/zero.warc.gz"), syscall.S_IFCHR|0o644, 1<<8|5); err != nil {
					t.Skipf("mknod: %v", err)
				}
				return true
			},
			seen:  skipped("device/zero.warc.gz", "not_regular"),
			check: keptAs("device/zero.warc.gz", os.ModeDevice|os.ModeCharDevice),
		},
		{
			name:  "zero-byte file",
			setup: func(t *testing.T, s *site) bool { s.heritrixWrite("empty/a.warc.gz", nil); return true },
			seen:  movedFile("empty/a.warc.gz", sha(nil)),
			check: func(t *testing.T, s *site, _ []logRecord, _ map[string][]string) {
				if fi, err := os.Stat(s.dstPath("empty/a.warc.gz")); err != nil || fi.Size() != 0 {
					t.Errorf("empty file not at the destination as an empty file: %v", err)
				}
			},
		},
		{
			name: "file larger than batch.bytes",
			setup: func(t *testing.T, s *site) bool {
				for i := range 4 {
					s.heritrixWrite(fmt.Sprintf("big/small%d.warc.gz", i), small)
				}
				s.heritrixWrite("big/big.warc.gz", big)
				return true
			},
			seen: movedFile("big/big.warc.gz", sha(big)),
			check: func(t *testing.T, s *site, log []logRecord, _ map[string][]string) {
				alone := false
				for _, r := range findLog(log, "job dispatched", nil) {
					files, _ := r["files"].(float64)
					bytes, _ := r["bytes"].(float64)
					if int(bytes) == len(big) && files == 1 {
						alone = true
					}
					if int(bytes) > len(big) {
						t.Errorf("a job of %v bytes and %v files: the big file did not go alone", bytes, files)
					}
				}
				if !alone {
					t.Error(`no "job dispatched" line for the big file alone`)
				}
				for i := range 4 {
					if !movedFile(fmt.Sprintf("big/small%d.warc.gz", i), sha(small))(s, nil) {
						t.Errorf("small%d not moved", i)
					}
				}
			},
		},
		{
			name:  "name with a newline",
			setup: func(t *testing.T, s *site) bool { s.heritrixWrite("names/bad\nname.warc.gz", small); return true },
			seen:  skipped("names/bad\nname.warc.gz", "invalid_name"),
			check: keptAs("names/bad\nname.warc.gz", 0),
		},
		{
			name:  "name of invalid UTF-8",
			setup: func(t *testing.T, s *site) bool { s.heritrixWrite("names/bad\xff\xfename.warc.gz", small); return true },
			seen:  skipped("names/bad\xff\xfename.warc.gz", "invalid_name"),
			check: keptAs("names/bad\xff\xfename.warc.gz", 0),
		},
		{
			name: "symlink to a file outside the root",
			setup: func(t *testing.T, s *site) bool {
				canaries["link"] = plantCanary(t, filepath.Join(s.outside, "canary-link.warc.gz"), small)
				symlink(t, s, canaries["link"].path, "links/out.warc.gz")
				return true
			},
			seen:  skipped("links/out.warc.gz", "symlink"),
			check: keptAs("links/out.warc.gz", os.ModeSymlink),
		},
		{
			name: "dangling symlink",
			setup: func(t *testing.T, s *site) bool {
				symlink(t, s, filepath.Join(s.outside, "nothing-here.warc.gz"), "links/dangling.warc.gz")
				return true
			},
			seen:  skipped("links/dangling.warc.gz", "symlink"),
			check: keptAs("links/dangling.warc.gz", os.ModeSymlink),
		},
		{
			name: "symlink to a directory outside the root",
			setup: func(t *testing.T, s *site) bool {
				canaries["dir"] = plantCanary(t, filepath.Join(s.outside, "crawl", "WEB-canary.warc.gz"), small)
				symlink(t, s, filepath.Dir(canaries["dir"].path), "linkdir")
				return true
			},
			check: func(t *testing.T, s *site, log []logRecord, dead map[string][]string) {
				if _, err := os.Lstat(s.dstPath("linkdir/WEB-canary.warc.gz")); err == nil {
					t.Error("a file behind a symlinked directory was copied")
				}
				for _, r := range findLog(log, "announced closed file", nil) {
					if strings.HasPrefix(r.str("file"), "linkdir/") {
						t.Errorf("announced %q, behind a symlinked directory", r.str("file"))
					}
				}
			},
		},
	}
	var active []diskCase
	for _, c := range cases {
		if c.setup(t, s) {
			active = append(active, c)
		} else {
			t.Logf("%s: not possible here, skipped", c.name)
		}
	}
	run := s.start("run")
	testkit.WaitFor(t, 2*time.Minute, "the daemon to deal with every bad input", func() bool {
		log := readLog(t, run.Log)
		for _, c := range active {
			if c.seen != nil && !c.seen(s, log) {
				return false
			}
		}
		return true
	})
	// The daemon is still there and still moves files.
	good := randBytes(50 << 10)
	s.heritrixWrite("control/after.warc.gz", good)
	testkit.WaitFor(t, 2*time.Minute, "a good file written after the bad ones to be moved", func() bool {
		return movedFile("control/after.warc.gz", sha(good))(s, nil)
	})
	if !run.Running() {
		t.Fatalf("ferry run exited (%v)", run.Err())
	}
	stopGracefully(t, run)
	log := readLog(t, run.Log)
	code, out, errOut := s.ferry(time.Minute, "dead", "list")
	if code != 0 {
		t.Fatalf("ferry dead list exited %d: %s", code, errOut)
	}
	dead := byPath(parseDead(t, out))
	for _, c := range active {
		t.Run(c.name, func(t *testing.T) { c.check(t, s, log, dead) })
	}
	for _, c := range canaries {
		c.check(t)
	}
	for _, r := range findLog(log, "job handler panicked", nil) {
		t.Errorf("a handler panicked: %v", r)
	}
}

// stopGracefully sends SIGTERM and expects a clean exit.
func stopGracefully(t *testing.T, p *testkit.Proc) {
	t.Helper()
	_ = p.Signal(syscall.SIGTERM)
	select {
	case <-p.Done():
		if p.Err() != nil {
			t.Errorf("%s did not exit cleanly on SIGTERM: %v\n%s", p.Name, p.Err(), testkit.TailFile(p.Log, 10))
		}
	case <-time.After(90 * time.Second):
		t.Errorf("%s still running 90s after SIGTERM", p.Name)
		p.Kill()
	}
}

// symlink makes rel in the root a symlink to target.
func symlink(t *testing.T, s *site, target, rel string) {
	t.Helper()
	s.mkdir(filepath.Dir(s.path(rel)))
	if err := os.Symlink(target, s.path(rel)); err != nil {
		t.Fatal(err)
	}
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func sha(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
