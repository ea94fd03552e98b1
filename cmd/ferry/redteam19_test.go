package main

import (
	"context"
	"crypto/md5"
	"encoding/hex"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/transfer"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Red team (session 19): a leftover of a killed delete whose original name
// is taken by a newer file. `run --once` moves the newer file, then puts the
// leftover back under the freed name at once (no grace) and copies it to the
// same destination path: the newer file's only copy must not be overwritten,
// the leftover must not be lost, and the run must not end as a success.
// Passes on ec3035f: the copy meets the newer file's copy and dead-letters
// the leftover as a conflict, kept in the source.
func TestRedteamRunOnceLeftoverWhoseNameWasTakenIsKeptAndReported(t *testing.T) {
	for _, copied := range []bool{false, true} {
		name := "leftover never copied"
		if copied {
			name = "leftover's verified copy at the destination"
		}
		t.Run(name, func(t *testing.T) {
			if testing.Short() {
				t.Skip("integration test: runs ferry")
			}
			s := newSite(t, siteOptions{})
			old, newer := randomBytes(t, 10_000), randomBytes(t, 7_000)
			private := "job/warcs/.ferry-rm-0123456789abcdef-a.warc.gz"
			s.heritrixWrite(private, old)
			s.heritrixWrite("job/warcs/a.warc.gz", newer)
			if copied {
				// As the killed run left it: copied and verified, then killed in the delete.
				if err := os.MkdirAll(filepath.Join(s.dst, "job/warcs"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(s.dst, "job/warcs/a.warc.gz"), old, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			code, stdout, stderr := s.runFerry("run", "--once", "--timeout", "1m")
			src, dst := tree(t, s.src), tree(t, s.dst)
			t.Logf("exit %d; source %v; destination %v", code, src, dst)
			has := func(m map[string]string, h string) bool {
				for _, v := range m {
					if v == h {
						return true
					}
				}
				return false
			}
			if !has(src, sha(newer)) && !has(dst, sha(newer)) {
				t.Fatalf("the newer file was lost\nstdout:\n%s\nstderr:\n%s", stdout, tail(stderr))
			}
			if !has(src, sha(old)) && !has(dst, sha(old)) {
				t.Fatalf("the leftover was lost\nstdout:\n%s\nstderr:\n%s", stdout, tail(stderr))
			}
			if len(src) > 0 && code == 0 {
				t.Fatalf("run --once exited 0 with files left in the source: %v\nstdout:\n%s", src, stdout)
			}
		})
	}
}

func tail(s string) string {
	if len(s) > 4000 {
		return s[len(s)-4000:]
	}
	return s
}

// Red team (session 19): a private name whose original is itself a private
// name (Remove never makes one; a user's or a restore of a nested leftover
// can). Putting it back at once must not make the watcher announce, copy and
// delete a file under a delete's private name (transfer.IsQuarantined: the
// watcher never announces them), and nothing may be lost.
func TestRedteamRunOnceNestedPrivateNameIsNeverAnnounced(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry")
	}
	s := newSite(t, siteOptions{})
	data := randomBytes(t, 10_000)
	inner := "job/warcs/.ferry-rm-fedcba9876543210-a.warc.gz"
	outer := "job/warcs/.ferry-rm-0123456789abcdef-.ferry-rm-fedcba9876543210-a.warc.gz"
	s.heritrixWrite(outer, data)
	code, stdout, stderr := s.runFerry("run", "--once", "--timeout", "1m")
	src, dst := tree(t, s.src), tree(t, s.dst)
	t.Logf("exit %d; source %v; destination %v", code, src, dst)
	if _, ok := dst[inner]; ok {
		t.Errorf("a private name was announced and copied as a file of its own: destination %v", dst)
	}
	kept := false
	for _, m := range []map[string]string{src, dst} {
		for _, h := range m {
			kept = kept || h == sha(data)
		}
	}
	if !kept {
		t.Fatalf("the file was lost\nstdout:\n%s\nstderr:\n%s", stdout, tail(stderr))
	}
}

// Red team (session 19): `run --once` that cannot put a killed delete's
// leftover back (its name is a directory or a dangling link now, or the
// name behind it is itself a private one) must not end with exit 0 and the
// file left in the source under a private name, named nowhere in its
// summary: the operator is told all was moved. Nothing is lost (the file
// stays), but it is stranded without a word but a log warning.
func TestRedteamRunOnceDoesNotEndCleanWithALeftoverInTheSource(t *testing.T) {
	for _, c := range []struct {
		name    string
		private string
		take    func(t *testing.T, path string)
	}{
		{"name is a directory", "job/warcs/.ferry-rm-0123456789abcdef-a.warc.gz", func(t *testing.T, p string) {
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"name is a dangling link", "job/warcs/.ferry-rm-0123456789abcdef-a.warc.gz", func(t *testing.T, p string) {
			if err := os.Symlink("/nonexistent/ferry-redteam", p); err != nil {
				t.Fatal(err)
			}
		}},
		{"name behind it is private", "job/warcs/.ferry-rm-0123456789abcdef-.ferry-rm-fedcba9876543210-a.warc.gz", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if testing.Short() {
				t.Skip("integration test: runs ferry")
			}
			s := newSite(t, siteOptions{})
			data := randomBytes(t, 10_000)
			s.heritrixWrite(c.private, data)
			if c.take != nil {
				c.take(t, filepath.Join(s.src, "job/warcs/a.warc.gz"))
			}
			code, stdout, stderr := s.runFerry("run", "--once", "--timeout", "1m")
			src := tree(t, s.src)
			t.Logf("exit %d; source %v\nstdout:\n%s", code, src, stdout)
			var left []string
			for rel, h := range src {
				if h == sha(data) {
					left = append(left, rel)
				}
			}
			if len(left) == 0 && !slices.Contains(slices.Collect(maps.Values(tree(t, s.dst))), sha(data)) {
				t.Fatalf("the file was lost\nstdout:\n%s\nstderr:\n%s", stdout, tail(stderr))
			}
			if code == 0 && len(left) > 0 && !strings.Contains(stdout, filepath.Base(left[0])) {
				t.Fatalf("run --once exited 0 with %v left in the source, not named in its summary:\n%s", left, stdout)
			}
		})
	}
}

// Red team (session 19): the state a kill between a delete's rename and its
// unlink really leaves, built by hand: the copy made and recorded Copied,
// its verify job still queued (redelivered to the next run), the source
// under its private name, and a duplicate announcement of it queued too.
// `run --once` must end with the file moved once (source gone, the copy
// the bytes), nothing dead-lettered, exit 0.
func TestRedteamRunOnceAfterAKilledDeleteWithItsJobsStillQueued(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry")
	}
	s := newSite(t, siteOptions{})
	data := randomBytes(t, 20_000)
	const rel, private = "job/warcs/a.warc.gz", "job/warcs/.ferry-rm-0123456789abcdef-a.warc.gz"
	s.heritrixWrite(rel, data)
	s.heritrixWrite("job/warcs/b.warc.gz", data[:3000])
	st, err := os.Stat(filepath.Join(s.src, rel))
	if err != nil {
		t.Fatal(err)
	}
	f := bus.File{Path: rel, Size: st.Size(), ModTime: st.ModTime().UnixNano()}
	_, ino, ctime := transfer.StatIdentity(st)
	f.Ino, f.CTime = ino, ctime.UnixNano()
	sum := md5.Sum(data)
	f.Hash = hex.EncodeToString(sum[:])
	if err := os.MkdirAll(filepath.Join(s.dst, "job/warcs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.dst, rel), data, 0o644); err != nil {
		t.Fatal(err)
	}
	const copyJob = "20261203T080000-0123456789ab"
	s.withBus(func(ctx context.Context, b *bus.Bus) error {
		l := ledger.New(b.Ledger())
		if err := l.Set(ctx, "warcs", "crawler01", f, ledger.Copied, func(r *ledger.Record) { r.JobID, r.Hash = copyJob, f.Hash }); err != nil {
			return err
		}
		if err := b.PublishJob(ctx, bus.StageVerify, bus.Job{ID: copyJob + "-0123456789abcdef", Route: "warcs", Host: "crawler01", Files: []bus.File{f}}); err != nil {
			return err
		}
		announced := f
		announced.Hash = ""
		return b.PublishClosed(ctx, bus.Closed{V: bus.Version, Route: "warcs", Host: "crawler01", File: announced, Announced: time.Now().UnixNano()})
	})
	if err := os.Rename(filepath.Join(s.src, rel), filepath.Join(s.src, private)); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := s.runFerry("run", "--once", "--timeout", "1m")
	src, dst := tree(t, s.src), tree(t, s.dst)
	if !strings.Contains(stderr, "putting back files left by a delete") {
		t.Errorf("the run did not put the leftover back (the state was not the one meant)\nstderr:\n%s", tail(stderr))
	}
	if dst[rel] != sha(data) {
		t.Fatalf("the copy is not the file's bytes: destination %v (source %v)\nstdout:\n%s\nstderr:\n%s", dst, src, stdout, tail(stderr))
	}
	if len(src) != 0 || code != 0 {
		t.Fatalf("run --once exited %d leaving source %v\nstdout:\n%s\nstderr:\n%s", code, src, stdout, tail(stderr))
	}
	if letters := s.deadLetters(); len(letters) != 0 {
		t.Fatalf("dead letters: %+v", letters)
	}
}
