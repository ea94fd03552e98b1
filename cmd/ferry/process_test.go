package main

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/testkit"
)

// startFerry runs the built binary with the site's config; its log goes to
// a file of its own (Log) whose tail is printed if the test fails.
func (s *site) startFerry(args ...string) *testkit.Proc {
	s.t.Helper()
	return testkit.Start(s.t, testkit.Command{Bin: ferryBin, Args: append([]string{"--config", s.config}, args...),
		Dir: s.dir, Name: fmt.Sprintf("ferry-%d", time.Now().UnixNano())})
}

func TestIntegrationDaemonMovesFilesAsTheyClose(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry as a process")
	}
	// A rescan only every hour: files must be picked up by fsnotify events.
	metricsAddr := freeAddr(t)
	s := newSite(t, siteOptions{rescan: "1h", metrics: metricsAddr})
	s.write("job/logs/crawl.log", []byte("active"))
	s.write("job/logs/crawl.log.lck", nil)
	daemon := s.startFerry("run")
	time.Sleep(500 * time.Millisecond) // let the watches be set up

	want := map[string]string{}
	for i := range 8 {
		rel := fmt.Sprintf("job/warcs/%d/WEB-%05d.warc.gz", i%3, i) // new subdirectories appear too
		data := randomBytes(t, 30_000+i)
		s.heritrixWrite(rel, data)
		want[rel] = sha(data)
	}
	// Heritrix rotates the log at a checkpoint and opens a new one.
	if err := os.Rename(filepath.Join(s.src, "job/logs/crawl.log"), filepath.Join(s.src, "job/logs/crawl.log.cp00001-20261124093000")); err != nil {
		t.Fatal(err)
	}
	want["job/logs/crawl.log.cp00001-20261124093000"] = sha([]byte("active"))
	s.write("job/logs/crawl.log", []byte("new active"))
	s.write("job/warcs/WEB-99999.warc.gz.open", []byte("being written"))

	testkit.WaitFor(t, 30*time.Second, "every closed file at the destination", func() bool {
		return maps.Equal(tree(t, s.dst), want)
	})
	testkit.WaitFor(t, 30*time.Second, "sources of verified files deleted", func() bool {
		return len(tree(t, s.src)) == 3 // crawl.log, crawl.log.lck, the .open WARC
	})
	testkit.WaitFor(t, 30*time.Second, "metrics to show the moves and the backlog", func() bool {
		body := scrape(t, metricsAddr)
		return strings.Contains(body, `ferry_files_moved_total{route="warcs"} 9`) &&
			strings.Contains(body, `ferry_backlog_messages{kind="pending",route="warcs",stage="dispatch"} 0`) &&
			strings.Contains(body, `ferry_files_deleted_total{route="warcs"} 9`) &&
			strings.Contains(body, `ferry_oldest_waiting_seconds{route="warcs"} 0`) &&
			strings.Contains(body, `ferry_source_free_bytes{route="warcs"}`)
	})
	if err := daemon.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := daemon.Wait(); err != nil {
		t.Fatalf("ferry run did not exit cleanly on SIGTERM: %v", err)
	}
	left := tree(t, s.src)
	for _, rel := range []string{"job/logs/crawl.log", "job/logs/crawl.log.lck", "job/warcs/WEB-99999.warc.gz.open"} {
		if _, ok := left[rel]; !ok {
			t.Errorf("%s was touched", rel)
		}
	}
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	return fmt.Sprintf("127.0.0.1:%d", testkit.FreePort(t))
}

// scrape returns the /metrics page, or "" while it cannot be read.
func scrape(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

func TestIntegrationKilledMidRunConverges(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry as a process")
	}
	// Retries as the default config spaces them, only shorter: after a kill
	// a copy job and its duplicate (from the redelivered announcement) can
	// hold one file, and one's verifier can delete it just before the kill
	// takes its Moved record; the other then finds the source missing until
	// the redelivered verify job records Moved (verifier's vanished). Two
	// attempts 200 ms apart dead-letter it first, about once in ten runs.
	s := newSite(t, siteOptions{retry: "{max_attempts: 3, ack_wait: 5s, backoff: [1s]}"})
	want := map[string]string{}
	for i := range 40 {
		rel := fmt.Sprintf("job/warcs/WEB-%05d.warc.gz", i)
		data := randomBytes(t, 1_000_000+i)
		s.heritrixWrite(rel, data)
		want[rel] = sha(data)
	}
	for round := 0; ; round++ {
		daemon := s.startFerry("run")
		// Kill once some files are copied but not all: copies, deletes and
		// ledger writes are in flight.
		testkit.WaitFor(t, 60*time.Second, "the first copies", func() bool {
			n := len(tree(t, s.dst))
			return n >= 3*(round+1) || n >= len(want)
		})
		_ = daemon.Signal(syscall.SIGKILL)
		_ = daemon.Wait()
		if round == 2 || len(tree(t, s.src)) == 0 {
			break
		}
	}
	code, out, errOut := s.runFerry("run", "--once", "--timeout", "2m")
	if code != 0 {
		t.Fatalf("ferry run --once after the kills exited %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	got := tree(t, s.dst)
	for rel := range got {
		if strings.HasSuffix(rel, ".partial") {
			t.Logf("leftover partial upload from the kill: %s", rel)
			delete(got, rel)
		}
	}
	if !maps.Equal(got, want) {
		t.Fatalf("destination after convergence differs: %d files, want %d; sources left: %v\nrun --once stdout: %s\nstderr: %s", len(got), len(want), tree(t, s.src), out, errOut)
	}
	if left := tree(t, s.src); len(left) != 0 {
		t.Fatalf("sources left behind: %v", left)
	}
	if letters := s.deadLetters(); len(letters) != 0 {
		t.Fatalf("a kill dead-lettered files: %+v", letters)
	}
}

// A delete killed between its rename to a private name and its unlink
// leaves the file there (transfer.QuarantinePrefix); scans leave such a file
// alone for a minute. `run --once` after the kill puts it back once its
// queues are empty and moves it, instead of ending with it left over.
func TestIntegrationRunOnceFinishesADeleteLeftByAKill(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry")
	}
	s := newSite(t, siteOptions{})
	data := randomBytes(t, 10_000)
	s.heritrixWrite("job/warcs/a.warc.gz", data)
	s.heritrixWrite("job/warcs/b.warc.gz", data[:5000])
	private := "job/warcs/.ferry-rm-0123456789abcdef-a.warc.gz"
	if err := os.Rename(filepath.Join(s.src, "job/warcs/a.warc.gz"), filepath.Join(s.src, private)); err != nil {
		t.Fatal(err)
	}
	s.ferryOK("run", "--once", "--timeout", "1m")
	if left := tree(t, s.src); len(left) != 0 {
		t.Fatalf("sources left behind: %v", left)
	}
	want := map[string]string{"job/warcs/a.warc.gz": sha(data), "job/warcs/b.warc.gz": sha(data[:5000])}
	if got := tree(t, s.dst); !maps.Equal(got, want) {
		t.Fatalf("destination = %v, want %v", got, want)
	}
}
