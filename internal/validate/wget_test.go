package validate_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nlnwa/gowarc/v3"
)

// A WARC written by a real client, not by us or our library: Debian's
// wget --warc-file crawling a local test server (loopback only). Both its
// compressed and its plain output must pass; cut short, it must not.
func TestIntegrationWgetWARC(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs wget")
	}
	wget, err := exec.LookPath("wget")
	if err != nil {
		t.Skip("wget not installed (scripts/install-test-deps.sh installs it): a real client's WARC is not tested")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><body><a href="/a">a</a> <a href="/b.bin">b</a> <a href="/missing">m</a></body></html>`)
	})
	mux.HandleFunc("/a", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<html>"+strings.Repeat("page a ", 5000)+"</html>")
	})
	mux.HandleFunc("/b.bin", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write([]byte(strings.Repeat("\x00\x01binary\xff", 20000)))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	for _, gz := range []bool{true, false} {
		t.Run(fmt.Sprintf("gzip %v", gz), func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"--quiet", "--recursive", "--level=1", "--no-proxy", "--directory-prefix", dir,
				"--warc-file", filepath.Join(dir, "crawl"), "--no-warc-keep-log"}
			names := []string{"warc"}
			file := "crawl.warc.gz"
			if gz {
				names = []string{"gzip", "warc", "nonempty"}
			} else {
				args = append(args, "--no-warc-compression")
				file = "crawl.warc"
			}
			cmd := exec.CommandContext(t.Context(), wget, append(args, srv.URL+"/")...)
			cmd.Env = append(os.Environ(), "HOME="+dir) // no ~/.wgetrc
			if out, err := cmd.CombinedOutput(); err != nil {
				// A 404 among the links makes wget exit 8; the WARC is written.
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 8 {
					t.Fatalf("wget: %v\n%s", err, out)
				}
			}
			data, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(data), "WARC-Type: response"); !gz && n < 4 {
				t.Fatalf("wget's WARC holds %d responses, want 4 (/, /a, /b.bin, /missing)", n)
			}
			if res := verdict(t, names, data); !res.Valid() {
				t.Errorf("wget's WARC (%d bytes) is invalid: %v", len(data), res.First)
			}
			if !gz {
				// wget's digests are checked: a byte of a payload changed.
				i := strings.Index(string(data), "binary")
				bad := []byte(string(data))
				bad[i] ^= 0x20
				var digest *gowarc.DigestError
				if res := verdict(t, names, bad); res.Valid() || !errors.As(res.First, &digest) {
					t.Errorf("wget's WARC with a payload byte changed: %v, want a wrong digest", res.First)
				}
			}
			if res := verdict(t, names, data[:len(data)*2/3]); res.Valid() {
				t.Errorf("wget's WARC cut to %d of %d bytes passes", len(data)*2/3, len(data))
			}
		})
	}
}
