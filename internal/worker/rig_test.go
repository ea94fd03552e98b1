package worker_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/metrics"
	"github.com/ferrydata/ferry/internal/testkit"
	"github.com/ferrydata/ferry/internal/worker"
)

// The route and host every test's jobs belong to.
const (
	route = "r"
	host  = "h1"
)

// jobSubject is where the loop under test takes its jobs from.
var jobSubject = bus.JobSubject(bus.StageCopy, route, host)

func skipShort(t *testing.T) {
	t.Helper()
	testkit.SkipShort(t, "needs JetStream; skipped under -short")
}

// policy is short enough that a dead worker is noticed within a second.
func policy() worker.Policy {
	return worker.Policy{MaxAttempts: 3, Backoff: []time.Duration{50 * time.Millisecond},
		AckWait: time.Second, StallAfter: 500 * time.Millisecond}
}

// rig is a worker loop on a real JetStream, with a handler the test controls.
type rig struct {
	t      *testing.T
	bus    *bus.Bus
	ledger *ledger.Ledger
	loop   *worker.Loop
}

func newRig(t *testing.T, p worker.Policy, h worker.Handler) *rig {
	t.Helper()
	b := bustest.Start(t)
	l := ledger.New(b.Ledger())
	routes := worker.Routes{route: {Route: worker.Route{Name: route, Host: host, Include: []string{"*"}, Exclude: []string{"*.open"}}}}
	if err := routes[route].Compile(); err != nil {
		t.Fatal(err)
	}
	loop := &worker.Loop{Stage: bus.StageCopy, Hosts: []string{host}, Concurrency: 1, Policy: p,
		Accept: routes.Accept, Handle: h,
		Deps: worker.Deps{Bus: b, Ledger: l, Log: bustest.Logger(t), Metrics: metrics.New()}}
	return &rig{t: t, bus: b, ledger: l, loop: loop}
}

// start runs the loop until the returned stop is called or the test ends.
// stop cancels the loop's context and waits for Run to return.
func (r *rig) start() (stop func()) {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.loop.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					r.t.Errorf("Run = %v", err)
				}
			case <-time.After(10 * time.Second):
				r.t.Error("Run did not return 10s after its context was cancelled")
			}
		})
	}
	r.t.Cleanup(stop)
	return stop
}

func (r *rig) publish(j bus.Job) {
	r.t.Helper()
	if err := r.bus.PublishJob(context.Background(), bus.StageCopy, j); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) backlog() uint64 {
	r.t.Helper()
	n, err := r.bus.Backlog(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	return n
}

func (r *rig) deadLetters() []bus.StoredDeadLetter {
	r.t.Helper()
	dls, err := r.bus.DeadLetters(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	return dls
}

func (r *rig) attempts(jobID string) int {
	r.t.Helper()
	n, err := r.ledger.Attempts(context.Background(), bus.StageCopy, jobID)
	if err != nil {
		r.t.Fatal(err)
	}
	return n
}

func (r *rig) record(path string) *ledger.Record {
	r.t.Helper()
	rec, _, err := r.ledger.Get(context.Background(), route, host, path)
	if err != nil {
		r.t.Fatalf("ledger record of %s: %v", path, err)
	}
	return rec
}

// crash takes the next job off the loop's durable consumer and drops it
// without ack, nak or term, as a worker killed mid-job would.
func (r *rig) crash() {
	r.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cc := bus.ConsumerConfig{Stage: bus.StageCopy, Host: host, AckWait: r.loop.Policy.AckWait, MaxAckPending: 1000}
	took := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- r.bus.Work(ctx, cc, 1, func(context.Context, *bus.Delivery) {
			cancel()
			close(took)
		})
	}()
	select {
	case <-took:
	case <-time.After(10 * time.Second):
		r.t.Fatal("crashing worker got no job in 10s")
	}
	if err := <-done; err != nil {
		r.t.Fatal(err)
	}
}

// waitFor polls cond until it holds, failing the test after 15s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testkit.WaitFor(t, 15*time.Second, what, cond)
}

func job(id string, paths ...string) bus.Job {
	j := bus.Job{ID: id, Route: route, Host: host}
	for i, p := range paths {
		j.Files = append(j.Files, bus.File{Path: p, Size: int64(10 + i), ModTime: 1})
	}
	return j
}
