package main

import (
	"os"
	"path/filepath"
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
