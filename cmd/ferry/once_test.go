package main

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// heritrixTree writes a crawl job as Heritrix leaves it: closed WARCs and
// rotated logs (to be moved), plus an open WARC, the active crawl.log and
// lock files (never to be touched). It returns the closed files' hashes.
func heritrixTree(s *site) (closed, untouchable map[string]string) {
	closed = map[string]string{}
	for i, rel := range []string{
		"job/20261124093000/warcs/WEB-20261124093000-00001-4242~crawler01~8443.warc.gz",
		"job/20261124093000/warcs/WEB-20261124093000-00002-4242~crawler01~8443.warc.gz",
		"job/20261124093000/warcs/sub/dir/deep.warc",
		"other-job/20261124100000/warcs/x.warc.gz",
	} {
		data := randomBytes(s.t, 50_000+i*1000)
		s.heritrixWrite(rel, data)
		closed[rel] = sha(data)
	}
	for _, rel := range []string{
		"job/20261124093000/logs/crawl.log.cp00001-20261124093000",
		"job/20261124093000/logs/crawl.log.20261124120000",
	} {
		data := randomBytes(s.t, 3000)
		s.write(rel, data) // rotation is a rename by Heritrix; the content is already complete
		closed[rel] = sha(data)
	}
	s.write("job/20261124093000/warcs/WEB-20261124093000-00003-4242~crawler01~8443.warc.gz.open", []byte("half a record"))
	s.write("job/20261124093000/logs/crawl.log", []byte("active log"))
	s.write("job/20261124093000/logs/crawl.log.lck", nil)
	s.write("job/20261124093000/logs/alerts.log", []byte("alerts"))
	untouchable = tree(s.t, s.src)
	for rel := range closed {
		delete(untouchable, rel)
	}
	return closed, untouchable
}

func TestIntegrationRunOnceMovesClosedFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	s := newSite(t, siteOptions{})
	closed, untouchable := heritrixTree(s)

	code, out, errOut := s.runFerry("run", "--once", "--timeout", "2m")
	if code != 0 {
		t.Fatalf("ferry run --once exited %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	mustContain(t, out, "files: 6  moved: 6")
	if got := tree(t, s.dst); !maps.Equal(got, closed) {
		t.Fatalf("destination holds %v\nwant %v", got, closed)
	}
	if got := tree(t, s.src); !maps.Equal(got, untouchable) {
		t.Fatalf("source holds %v\nwant only the untouchable files %v", got, untouchable)
	}

	// A second run over the moved tree has nothing to do and succeeds.
	code, out, errOut = s.runFerry("run", "--once", "--timeout", "2m")
	if code != 0 {
		t.Fatalf("second run exited %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	mustContain(t, out, "files: 0  moved: 0")
	if got := tree(t, s.dst); !maps.Equal(got, closed) {
		t.Fatalf("second run changed the destination: %v", got)
	}
}

func TestIntegrationExistingDifferentDestinationIsAConflict(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	s := newSite(t, siteOptions{})
	ours := randomBytes(t, 4096)
	theirs := append([]byte(nil), ours...)
	theirs[100] ^= 0xff // same size, different bytes
	s.heritrixWrite("job/a.warc.gz", ours)
	s.heritrixWrite("job/b.warc.gz", randomBytes(t, 2048))
	if err := os.MkdirAll(filepath.Join(s.dst, "job"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.dst, "job/a.warc.gz"), theirs, 0o644); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := s.runFerry("run", "--once", "--timeout", "2m")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (a failure)\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	mustContain(t, out, "failed (conflict): 1")
	if got, _ := os.ReadFile(filepath.Join(s.dst, "job/a.warc.gz")); sha(got) != sha(theirs) {
		t.Fatal("the existing destination file was overwritten")
	}
	if got, err := os.ReadFile(filepath.Join(s.src, "job/a.warc.gz")); err != nil || sha(got) != sha(ours) {
		t.Fatalf("the conflicting source was not kept intact: %v", err)
	}
	if _, err := os.Stat(filepath.Join(s.src, "job/b.warc.gz")); !os.IsNotExist(err) {
		t.Fatal("the healthy file in the same job was not moved")
	}
	letters := s.deadLetters()
	if len(letters) != 1 || len(letters[0].Files) != 1 || letters[0].Files[0].Reason != "conflict" ||
		letters[0].Files[0].File.Path != "job/a.warc.gz" {
		t.Fatalf("dead letters = %+v, want one conflict for job/a.warc.gz", letters)
	}

	// The dead-lettered file stays put on the next run: an operator decides.
	code, out, _ = s.runFerry("run", "--once", "--timeout", "2m")
	if code != 1 {
		t.Fatalf("rerun exit %d, want 1 while the file sits in the dead letters\n%s", code, out)
	}
	if len(s.deadLetters()) != 1 {
		t.Fatal("a rerun dead-lettered the file again")
	}
}

func TestIntegrationS3Destination(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream and rclone serve s3")
	}
	s3 := transfertest.StartS3Server(t)
	s := newSite(t, siteOptions{dst: s3.Remote})
	closed, untouchable := heritrixTree(s)

	code, out, errOut := s.runFerry("run", "--once", "--timeout", "2m")
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	for rel, want := range closed {
		got, err := os.ReadFile(s3.Path(rel))
		if err != nil || sha(got) != want {
			t.Errorf("object %s: err %v, bytes match %v", rel, err, err == nil && sha(got) == want)
		}
	}
	if got := tree(t, s.src); !maps.Equal(got, untouchable) {
		t.Fatalf("source holds %v\nwant %v", got, untouchable)
	}
}

// A run that leaves files behind must say so: names ferry refuses, links it
// does not follow and FIFOs are listed and the exit code is 3, while files
// the rules exclude (.open, the live crawl.log, .lck) are no concern.
func TestIntegrationRunOnceReportsFilesItCannotMove(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	s := newSite(t, siteOptions{})
	closed, _ := heritrixTree(s)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "elsewhere.warc.gz"), []byte("not ours"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.write("job/warcs/back\\slash.warc.gz", []byte("b"))
	s.write("job/warcs/control\x01char.warc.gz", []byte("c"))
	s.write("job/warcs/latin1-\xe9.warc.gz", []byte("l"))
	for link, target := range map[string]string{
		"job/warcs/link.warc.gz": filepath.Join(outside, "elsewhere.warc.gz"),
		"job/linked-dir":         outside,
	} {
		if err := os.Symlink(target, filepath.Join(s.src, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(s.src, "job/warcs/pipe.warc.gz"), 0o644); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := s.runFerry("run", "--once", "--timeout", "2m")
	if code != 3 {
		t.Fatalf("exit %d, want 3 (incomplete)\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	mustContain(t, out, "files: 6  moved: 6")
	t.Logf("summary:\n%s", out)
	mustContain(t, out, "not moved (skipped or unreadable): 6")
	for _, want := range []string{`"job/warcs/back\\slash.warc.gz" (invalid_name)`, `"job/warcs/control\x01char.warc.gz" (invalid_name)`,
		`"job/warcs/latin1-\xe9.warc.gz" (invalid_name)`, `"job/warcs/link.warc.gz" (symlink)`,
		`"job/linked-dir" (symlinked_dir)`, `"job/warcs/pipe.warc.gz" (not_regular)`} {
		mustContain(t, out, want)
	}
	for _, excluded := range []string{".open", "crawl.log\"", ".lck"} {
		if strings.Contains(out, excluded) {
			t.Errorf("summary lists a file the rules exclude (%s):\n%s", excluded, out)
		}
	}
	if got := tree(t, s.dst); !maps.Equal(got, closed) {
		t.Fatalf("destination holds %v\nwant %v", got, closed)
	}
	if _, err := os.Stat(filepath.Join(outside, "elsewhere.warc.gz")); err != nil {
		t.Fatalf("a symlink's target was touched: %v", err)
	}
}

// A directory ferry cannot read hides files it would move: the run lists it
// and is incomplete. Root reads everything, so ferry runs as nobody here.
func TestIntegrationRunOnceReportsUnreadableDirectories(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry as a process")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to run ferry as another user")
	}
	const nobody = 65534
	s := newSite(t, siteOptions{})
	moved := randomBytes(t, 4096)
	s.heritrixWrite("job/a.warc.gz", moved)
	s.heritrixWrite("locked/b.warc.gz", randomBytes(t, 2048))
	for _, dir := range []string{filepath.Dir(s.dir), filepath.Dir(ferryBin)} {
		if err := os.Chmod(dir, 0o711); err != nil { // let nobody reach the site and the binary
			t.Fatal(err)
		}
	}
	err := filepath.WalkDir(s.dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, nobody, nobody)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(s.src, "locked"), 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(filepath.Join(s.src, "locked"), 0o755) })

	cmd := exec.Command(ferryBin, "--config", s.config, "run", "--once", "--timeout", "1m")
	cmd.Dir, cmd.Env = s.dir, append(os.Environ(), "HOME="+s.dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Fatalf("exit %d (%v), want 3 (incomplete)\nstdout: %s\nstderr: %s", code, err, stdout.String(), stderr.String())
	}
	mustContain(t, stdout.String(), "files: 1  moved: 1")
	mustContain(t, stdout.String(), `warcs: "locked" (unreadable): `)
	if _, err := os.Stat(filepath.Join(s.src, "job/a.warc.gz")); !os.IsNotExist(err) {
		t.Fatal("the readable file was not moved")
	}
}

// A route whose source cannot be listed leaves everything in it: the other
// routes still run, and the run is incomplete. The source is a missing
// directory named the rclone way (:local:), listed as remotes are; it is
// this host's, so no host: any (config refuses that for a local source).
func TestIntegrationRunOnceReportsUnlistableSources(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	missing := filepath.Join(t.TempDir(), "gone")
	s := newSite(t, siteOptions{routeExtra: fmt.Sprintf(`  - name: remote
    source: ":local:%s"
    destination: %q
    batch: {files: 5, max_wait: 200ms}
`, missing, filepath.Join(t.TempDir(), "archive"))})
	data := randomBytes(t, 4096)
	s.heritrixWrite("job/a.warc.gz", data)

	code, out, errOut := s.runFerry("run", "--once", "--timeout", "1m")
	if code != 3 {
		t.Fatalf("exit %d, want 3 (incomplete)\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	mustContain(t, out, "files: 1  moved: 1")
	mustContain(t, out, "(scan_failed): couldn't list source :local:"+missing+" of route remote")
}

// A backlog many times max_queued is moved by one `run --once`: the scan
// leaves most of it on disk, catch-up passes announce it as the queue
// drains, and the run ends only when every file is moved.
func TestIntegrationRunOnceMovesBacklogBeyondMaxQueued(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	// Far more files than one pass's room plus the chunks its announcers
	// take at once (4 x 100), so the first scan surely defers some.
	s := newSite(t, siteOptions{top: "max_queued: 5", batch: "{files: 20, max_wait: 200ms}"})
	want := map[string]string{}
	for i := range 1200 {
		rel := fmt.Sprintf("job/warcs/WEB-%04d.warc.gz", i)
		s.heritrixWrite(rel, []byte(rel))
		want[rel] = sha([]byte(rel))
	}
	code, out, errOut := s.runFerry("run", "--once", "--timeout", "2m")
	if code != 0 {
		t.Fatalf("ferry run --once exited %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	mustContain(t, out, "files: 1200  moved: 1200")
	if got := tree(t, s.dst); !maps.Equal(got, want) {
		t.Fatalf("destination holds %d files, want %d", len(got), len(want))
	}
	if got := tree(t, s.src); len(got) != 0 {
		t.Fatalf("source still holds %v", got)
	}
}
