package faults

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/testkit"
)

// TestBadInputInPlaceWriter has a child process write a file under its
// final name (x.warc.gz, no .open), slowly: a line, then a pause longer
// than the watcher's settle time, six times, holding the file open all
// along, as `cp` over NFS or `curl -o` do (issue 7, item 4). With the
// route's min_age of 0, only a check for writers before the delete keeps
// ferry from moving a truncated file and deleting it while the rest of its
// bytes go into a deleted inode. The file must never be deleted while the
// writer holds it, and the auditor, told its final bytes, must find no
// source deleted without an identical copy.
func TestBadInputInPlaceWriter(t *testing.T) {
	skipShort(t)
	s := newSite(t, siteOptions{})
	h := newHeritrix(t, s.src, s.mkdir, genConfig{})
	a := newAuditor(t, h, s.src, func() string { return s.dst })
	run := s.start("run")
	// A file moved first: the daemon is up and watching.
	control := randBytes(10 << 10)
	h.closeNow("control/before.warc.gz", control)
	testkit.WaitFor(t, 2*time.Minute, "a control file to be moved", func() bool {
		return movedFile("control/before.warc.gz", sha(control))(s, nil)
	})

	rel := "inplace/WEB-20261124093000000-00001-1~crawler01~8443.warc.gz"
	s.mkdir(filepath.Dir(s.path(rel)))
	var input bytes.Buffer
	for range 6 {
		input.WriteString(base64.StdEncoding.EncodeToString(randBytes(6<<10)) + "\n")
	}
	writer := exec.Command("sh", "-c", `exec 3>"$1"; while IFS= read -r line; do printf '%s\n' "$line" >&3; sleep 1.2; done`, "sh", s.path(rel))
	writer.Stdin = bytes.NewReader(input.Bytes())
	must(t, writer.Start())
	done := make(chan error, 1)
	go func() { done <- writer.Wait() }()
	// The shell creates the file a moment after it starts: until then a
	// missing file is not a deleted one.
	testkit.WaitFor(t, 30*time.Second, "the writer to create its file", func() bool {
		_, err := os.Lstat(s.path(rel))
		return err == nil
	})
	var deletedWhileOpen bool
	for writing := true; writing; {
		select {
		case err := <-done:
			must(t, err)
			writing = false
		case <-time.After(50 * time.Millisecond):
			if _, err := os.Lstat(s.path(rel)); os.IsNotExist(err) && !deletedWhileOpen {
				deletedWhileOpen = true
				t.Errorf("%s deleted while a process still had it open for writing", rel)
			}
		}
	}
	final := input.Bytes()
	h.mu.Lock()
	h.closed[rel] = &closedFile{rel: rel, sha: sha(final), size: int64(len(final))}
	h.mu.Unlock()
	if got, _ := hashFile(s.path(rel)); got != "" && got != sha(final) {
		t.Fatalf("the writer left %s, not what it was given", got)
	}

	// Closed now: ferry may move it, or have dead-lettered the partial one.
	testkit.WaitFor(t, time.Minute, "the file moved whole, or dead-lettered", func() bool {
		if movedFile(rel, sha(final))(s, nil) {
			return true
		}
		if _, err := os.Lstat(s.path(rel)); os.IsNotExist(err) {
			return true // gone: the audit says whether its bytes are safe
		}
		code, out, _ := s.ferry(time.Minute, "dead", "list")
		return code == 0 && len(byPath(parseDead(t, out))[rel]) > 0
	})
	a.check()
	stopGracefully(t, run)
	code, out, errOut := s.ferry(time.Minute, "dead", "list")
	if code != 0 {
		t.Fatalf("ferry dead list exited %d: %s", code, errOut)
	}
	outcomes := a.final(byPath(parseDead(t, out)))
	t.Logf("outcome of the in-place write: %+v", outcomes[rel])
}
