package main

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
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
