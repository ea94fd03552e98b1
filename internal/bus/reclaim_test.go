package bus_test

import (
	"context"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
)

// A job held by a worker that went away without a word is delivered again
// at once after ReclaimJobs, not after its ack wait.
func TestIntegrationReclaimJobsRedeliversHeldJobs(t *testing.T) {
	skipShort(t)
	b := bustest.Start(t)
	ctx := context.Background()
	job := bus.Job{V: bus.Version, ID: "j1", Route: "r", Host: "h",
		Files: []bus.File{{Path: "a.warc.gz", Size: 1, ModTime: 1}}}
	if err := b.PublishJob(ctx, bus.StageCopy, job); err != nil {
		t.Fatal(err)
	}
	cc := bus.ConsumerConfig{Stage: bus.StageCopy, Host: "h", AckWait: time.Hour, MaxAckPending: 10}
	got := make(chan *bus.Delivery, 1)
	held, stop := context.WithCancel(ctx)
	go func() {
		_ = b.Work(held, cc, 1, func(_ context.Context, d *bus.Delivery) { // never settled: held
			got <- d
			stop()
		})
	}()
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("job not delivered")
	}
	<-held.Done()
	time.Sleep(1500 * time.Millisecond) // the worker's last fetch ends

	n, err := b.ReclaimJobs(ctx)
	if err != nil || n != 1 {
		t.Fatalf("ReclaimJobs = %d, %v; want 1 held", n, err)
	}
	again, stopAgain := context.WithCancel(ctx)
	defer stopAgain()
	go func() {
		_ = b.Work(again, cc, 1, func(ctx context.Context, d *bus.Delivery) {
			_ = d.Ack(ctx)
			got <- d
		})
	}()
	select {
	case <-got:
	case <-time.After(10 * time.Second): // the ack wait is an hour
		t.Fatal("held job not delivered again after ReclaimJobs")
	}
	if n := backlog(t, b); n != 0 {
		t.Errorf("backlog %d after the job was done", n)
	}
}
