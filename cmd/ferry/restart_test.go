package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/testkit"
)

// A `ferry run` killed under load, then started again, must not leave the
// jobs its dead self held to wait out their ack wait: it is their only
// consumer, so the restart makes them run at once.
func TestIntegrationRestartResumesHeldJobs(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry as a process")
	}
	const ackWait = 5 * time.Minute
	s := newSite(t, siteOptions{retry: fmt.Sprintf("{max_attempts: 2, ack_wait: %s, backoff: [200ms]}", ackWait),
		batch: "{files: 4, max_wait: 200ms}"})
	for i := range 40 {
		s.heritrixWrite(fmt.Sprintf("job/warcs/WEB-%05d.warc.gz", i), randomBytes(t, 2_000_000+i))
	}
	// Kill while jobs are held (copies landing, not all done); a restart
	// that found nothing held proves nothing, so kill it again.
	for round := 0; ; round++ {
		if round == 5 {
			t.Skip("no kill caught a job in flight")
		}
		daemon := s.startFerry("run")
		testkit.WaitFor(t, 60*time.Second, "the first copy", func() bool { return len(tree(t, s.dst)) > 0 })
		_ = daemon.Signal(syscall.SIGKILL)
		_ = daemon.Wait()
		if len(tree(t, s.src)) == 0 {
			t.Skip("the pipeline finished before the kill")
		}
		restarted := s.startFerry("run")
		testkit.WaitFor(t, 30*time.Second, "the restart to reclaim", func() bool {
			data, _ := os.ReadFile(restarted.Log)
			return strings.Contains(string(data), "ferry running")
		})
		data, _ := os.ReadFile(restarted.Log)
		if !strings.Contains(string(data), "redelivering jobs held by the previous run") {
			_ = restarted.Signal(syscall.SIGKILL)
			_ = restarted.Wait()
			continue
		}
		// Well under the ack wait: without the reclaim, held files wait 5 min.
		start := time.Now()
		testkit.WaitFor(t, 60*time.Second, "every source moved after the restart", func() bool { return len(tree(t, s.src)) == 0 })
		t.Logf("resumed and finished %s after the restart (ack wait %s)", time.Since(start).Round(time.Millisecond), ackWait)
		_ = restarted.Signal(syscall.SIGTERM)
		_ = restarted.Wait()
		return
	}
}
