package main

import (
	"syscall"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/notify/notifytest"
)

// ferry run, as systemd starts a Type=notify unit with WatchdogSec: ready
// once serving, fed while JetStream answers, stopping on SIGTERM.
func TestIntegrationRunNotifiesSystemd(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry as a process")
	}
	s := newSite(t, siteOptions{})
	msgs := notifytest.Socket(t, 2*time.Second, false)
	cmd := s.startFerry("run")
	notifytest.Expect(t, msgs, "READY=1", time.Minute)
	notifytest.Expect(t, msgs, "WATCHDOG=1", 10*time.Second)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	notifytest.Expect(t, msgs, "STOPPING=1", 10*time.Second)
	if err := cmd.Wait(); err != nil {
		t.Errorf("ferry run after SIGTERM: %v", err)
	}
}
