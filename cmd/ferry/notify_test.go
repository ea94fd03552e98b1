package main

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
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
	if err := cmd.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	notifytest.Expect(t, msgs, "STOPPING=1", 10*time.Second)
	if err := cmd.Wait(); err != nil {
		t.Errorf("ferry run after SIGTERM: %v", err)
	}
}

// A role whose loop is stuck (here bus.Work's one worker held in its
// handler) starves the watchdog though NATS answers; once the loop goes
// round again the watchdog is fed again.
func TestIntegrationWatchdogStarvedWhileRoleLoopStuck(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: embedded JetStream")
	}
	const interval = 400 * time.Millisecond // the loop may be silent 5 intervals: 2s
	msgs := notifytest.Socket(t, interval, true)
	b := bustest.Start(t)
	s := &system{bus: b, log: bustest.Logger(t)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	job := bus.Job{V: bus.Version, ID: "20261202T100000-0a1b2c3d4e5f", Route: "warcs", Host: "crawler1.example.org",
		Files: []bus.File{{Path: "job/a.warc.gz", Size: 10, ModTime: 1}}}
	entered, release := make(chan struct{}), make(chan struct{})
	roles := map[string]runner{"mover": func(ctx context.Context) error {
		cc := bus.ConsumerConfig{Stage: bus.StageCopy, Host: job.Host, AckWait: time.Minute, MaxAckPending: 10}
		return b.Work(ctx, cc, 1, func(ctx context.Context, d *bus.Delivery) {
			close(entered)
			<-release // stuck: no progress, no return
			_ = d.Ack(ctx)
		})
	}}
	stop := s.serving(ctx, roles)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- roles["mover"](ctx) }()

	notifytest.Expect(t, msgs, "READY=1", 10*time.Second)
	notifytest.Expect(t, msgs, "WATCHDOG=1", 10*time.Second) // idle: the pulls go round

	if err := b.PublishJob(ctx, bus.StageCopy, job); err != nil {
		t.Fatal(err)
	}
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the worker never took the job")
	}
	// The last beat ages past 2s, then the last success past interval/2.
	time.Sleep(5*interval + interval)
	for len(msgs) > 0 {
		<-msgs
	}
	silence := time.After(5 * interval)
	for waiting := true; waiting; {
		select {
		case m := <-msgs:
			t.Fatalf("systemd got %q while the mover's loop was stuck", m)
		case <-silence:
			waiting = false
		}
	}

	close(release)
	notifytest.Expect(t, msgs, "WATCHDOG=1", 10*time.Second)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("mover loop: %v", err)
	}
}
