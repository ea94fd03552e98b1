package verifier

import (
	"crypto/md5"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// durableChildEnv names the source and destination directories of the
// verification TestIntegrationCopyIsSyncedBeforeTheSourceIsDeleted runs in
// a child process under strace.
const durableChildEnv = "FERRY_TEST_DURABLE_CHILD"

// A copy the verifier did not write itself (left at its final name by a
// killed attempt, or by an operator's rclone, and found equal by the
// mover's compareExisting) may still be only in the page cache: the
// verifier syncs it, and its directory, before it deletes the source. The
// order is read from the system calls of a real verification, traced by
// strace in a child process: the copy's fsync must come before the unlink
// of the source.
func TestIntegrationCopyIsSyncedBeforeTheSourceIsDeleted(t *testing.T) {
	if dirs := os.Getenv(durableChildEnv); dirs != "" {
		verifyUnsyncedCopy(t, dirs)
		return
	}
	if testing.Short() {
		t.Skip("integration test: runs a verification in a child process under strace")
	}
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace not found (Debian package strace; scripts/install-test-deps.sh installs it)")
	}
	srcDir, dstDir := t.TempDir(), t.TempDir()
	trace := filepath.Join(t.TempDir(), "trace")
	cmd := exec.Command(strace, "-f", "-y", "-qq", "-e", "trace=fsync,fdatasync,unlink,unlinkat", "-e", "signal=none",
		"-o", trace, os.Args[0], "-test.run=^TestIntegrationCopyIsSyncedBeforeTheSourceIsDeleted$", "-test.v")
	cmd.Env = append(os.Environ(), durableChildEnv+"="+srcDir+string(os.PathListSeparator)+dstDir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "PTRACE") || strings.Contains(string(out), "ptrace") {
			t.Skipf("strace cannot trace here: %s", out)
		}
		t.Fatalf("child verification: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(srcDir, "a.warc.gz")); !os.IsNotExist(err) {
		t.Fatalf("the child's verification did not delete the source (stat: %v)\n%s", err, out)
	}
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	copyFile := filepath.Join(dstDir, "a.warc.gz")
	syncedFile, syncedDir, unlinked := -1, -1, -1
	for i, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.Contains(line, "fsync(") && strings.Contains(line, "<"+copyFile+">"):
			syncedFile = i
		case strings.Contains(line, "fsync(") && strings.Contains(line, "<"+dstDir+">"):
			syncedDir = i
		case strings.Contains(line, "unlinkat(") && strings.Contains(line, "<"+srcDir+">") && unlinked < 0:
			unlinked = i
		}
		if unlinked >= 0 {
			break // only what ran before the delete counts
		}
	}
	if unlinked < 0 {
		t.Fatalf("no unlink of the source in the trace:\n%s", b)
	}
	if syncedFile < 0 || syncedDir < 0 {
		t.Fatalf("before the source's unlink (line %d), copy synced at line %d, its directory at line %d (-1: never):\n%s",
			unlinked, syncedFile, syncedDir, b)
	}
}

// verifyUnsyncedCopy is the child's part: a source, its copy written at
// its final name without a sync, and one verification that deletes.
func verifyUnsyncedCopy(t *testing.T, dirs string) {
	srcDir, dstDir, _ := strings.Cut(dirs, string(os.PathListSeparator))
	transfertest.Init(t)
	const rel, content = "a.warc.gz", "bytes the mover copied before it was killed"
	mtime := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, dir := range []string{srcDir, dstDir} {
		p := filepath.Join(dir, rel)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	src, err := transfer.OpenLocalSource(srcDir)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := transfer.OpenDestination(t.Context(), dstDir, transfer.MD5)
	if err != nil {
		t.Fatal(err)
	}
	st, err := src.Stat(t.Context(), rel)
	if err != nil {
		t.Fatal(err)
	}
	h := md5.Sum([]byte(content))
	f := bus.File{Path: rel, Size: st.Size, ModTime: st.ModTime.UnixNano(), Hash: hex.EncodeToString(h[:]),
		Ino: st.Ino, CTime: st.CTime.UnixNano()}
	if err := verifyOne(t.Context(), src, dst, f); err != nil {
		t.Fatalf("verification: %v", err)
	}
}
