package dispatcher

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/metrics"
)

// patient limits: max_wait is far longer than any test waits for a job, so
// a job that arrives was flushed by a cap or by an idle mover.
var patient = Config{AckWait: 2 * time.Minute, Routes: map[string]Limits{
	"warcs": {Files: 20, Bytes: 1 << 30, MaxWait: time.Minute},
}}

func runDispatcher(t *testing.T, b *bus.Bus, cfg Config) {
	t.Helper()
	d, err := New(cfg, Deps{Bus: b, Ledger: ledger.New(b.Ledger()), Log: bustest.Logger(t), Metrics: metrics.New()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// fakeMover takes the host's copy jobs one at a time, as a mover of
// concurrency 1 does, and sends each on the channel. It holds each job until
// hold is closed (a nil hold holds none), so the pipeline stays busy.
func fakeMover(t *testing.T, b *bus.Bus, host string, hold chan struct{}) <-chan bus.Job {
	t.Helper()
	jobs := make(chan bus.Job, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		cc := bus.ConsumerConfig{Stage: bus.StageCopy, Host: host, AckWait: time.Minute, MaxAckPending: 100}
		_ = b.Work(ctx, cc, 1, func(_ context.Context, d *bus.Delivery) {
			j, err := bus.DecodeJob(d.Data())
			if err != nil {
				t.Errorf("dispatcher published an invalid job: %v", err)
			}
			jobs <- j
			if hold != nil {
				select {
				case <-hold:
				case <-ctx.Done():
					return
				}
			}
			_ = d.Ack(context.Background())
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	waitLoad(t, b, host, func(l bus.Load) bool { return l.Waiting >= 1 }, "the mover waiting for a job")
	return jobs
}

func waitLoad(t *testing.T, b *bus.Bus, host string, ok func(bus.Load) bool, what string) bus.Load {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		l, err := b.Outstanding(context.Background(), bus.StageCopy, host)
		if err == nil && ok(l) {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %s: load %+v, err %v", what, l, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func nextJob(t *testing.T, jobs <-chan bus.Job) bus.Job {
	t.Helper()
	select {
	case j := <-jobs:
		return j
	case <-time.After(20 * time.Second): // max_wait is a minute
		t.Fatal("no job within 20s: the file waits for max_wait though a mover is idle")
		return bus.Job{}
	}
}

func announce(t *testing.T, b *bus.Bus, host, path string) {
	t.Helper()
	c := bus.Closed{Route: "warcs", Host: host, File: bus.File{Path: path, Size: 100, ModTime: 1}, Announced: time.Now().UnixNano()}
	if err := b.PublishClosed(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}

func TestIntegrationIdleMoverGetsAFileAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	b := bustest.Start(t)
	runDispatcher(t, b, patient)
	if l, err := b.Outstanding(context.Background(), bus.StageCopy, "crawler01"); err != nil || l != (bus.Load{}) {
		t.Fatalf("load before any mover = %+v, %v; want zero, no error", l, err)
	}
	jobs := fakeMover(t, b, "crawler01", nil)
	for i := range 3 { // one at a time, each after the last is done
		start := time.Now()
		announce(t, b, "crawler01", fmt.Sprintf("%d.warc.gz", i))
		j := nextJob(t, jobs)
		if len(j.Files) != 1 || j.Files[0].Path != fmt.Sprintf("%d.warc.gz", i) {
			t.Fatalf("job %+v, want the one file just closed", j)
		}
		t.Logf("file %d dispatched after %s (max_wait %s)", i, time.Since(start), patient.Routes["warcs"].MaxWait)
	}
}

func TestIntegrationBurstOnBusyMoverFormsFullBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	b := bustest.Start(t)
	runDispatcher(t, b, patient)
	hold := make(chan struct{})
	jobs := fakeMover(t, b, "crawler01", hold)
	announce(t, b, "crawler01", "first.warc.gz")
	if j := nextJob(t, jobs); len(j.Files) != 1 {
		t.Fatalf("first job has %d files, want the one closed on an idle mover", len(j.Files))
	}
	// The mover holds that job: a burst of 45 while it is busy.
	for i := range 45 {
		announce(t, b, "crawler01", fmt.Sprintf("burst/%d.warc.gz", i))
	}
	waitLoad(t, b, "crawler01", func(l bus.Load) bool { return l.Queued >= 2 }, "two full jobs queued")
	time.Sleep(5 * loadTTL) // time for a wrong flush of the last 5 while the mover is busy
	if l := waitLoad(t, b, "crawler01", func(bus.Load) bool { return true }, "a reading"); l.Queued != 2 {
		t.Fatalf("%d jobs queued while the mover is busy, want 2 full ones (the last 5 files keep filling)", l.Queued)
	}
	close(hold)
	var sizes []int
	for range 3 {
		sizes = append(sizes, len(nextJob(t, jobs).Files))
	}
	if fmt.Sprint(sizes) != "[20 20 5]" {
		t.Fatalf("burst jobs of %v files, want [20 20 5]: full batches while busy, the rest once the mover is free", sizes)
	}
}
