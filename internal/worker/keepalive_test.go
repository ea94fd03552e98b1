package worker_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/worker"
)

// A job that runs three ack waits while moving bytes is heartbeated: it is
// never redelivered to the second worker slot, and it is acked once.
func TestIntegrationHeartbeatKeepsLongJob(t *testing.T) {
	skipShort(t)
	t.Parallel()
	p := policy()
	var calls atomic.Int32
	r := newRig(t, p, func(ctx context.Context, job bus.Job, progress *transfer.Progress) worker.Outcome {
		calls.Add(1)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for end := time.Now().Add(3 * p.AckWait); time.Now().Before(end); {
			select {
			case <-ctx.Done():
				return worker.Outcome{Pending: job.Files, Err: context.Cause(ctx)}
			case <-tick.C:
				progress.Add(1)
			}
		}
		return worker.Outcome{}
	})
	r.loop.Concurrency = 2 // a redelivery would reach the idle slot at once
	r.publish(job("long", "a"))
	r.start()
	waitFor(t, "the job to be acked", func() bool { return calls.Load() > 0 && r.backlog() == 0 })
	if n := calls.Load(); n != 1 {
		t.Errorf("handler called %d times, want 1", n)
	}
	if dls := r.deadLetters(); len(dls) != 0 {
		t.Errorf("dead letters: %+v", dls)
	}
}

// A handler that moves no bytes for StallAfter has its context cancelled
// with bus.ErrStalled, and that counts as a failed attempt.
func TestIntegrationStallFailsAttempt(t *testing.T) {
	skipShort(t)
	t.Parallel()
	p := policy()
	p.MaxAttempts = 2
	var calls atomic.Int32
	causes := make(chan error, 2)
	seen := make(chan int, 2) // failed attempts the ledger holds at each call
	r := (*rig)(nil)
	r = newRig(t, p, func(ctx context.Context, job bus.Job, _ *transfer.Progress) worker.Outcome {
		calls.Add(1)
		seen <- r.attempts(job.ID)
		start := time.Now()
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
			t.Error("a handler without progress was not cancelled in 10s")
		}
		if d := time.Since(start); d < p.StallAfter {
			t.Errorf("cancelled after %v, before StallAfter %v", d, p.StallAfter)
		}
		causes <- context.Cause(ctx)
		return worker.Outcome{Pending: job.Files, Err: ctx.Err()}
	})
	r.publish(job("stuck", "a"))
	r.start()
	waitFor(t, "a dead letter", func() bool { return len(r.deadLetters()) > 0 && r.backlog() == 0 })
	for i := range 2 {
		if cause := <-causes; !errors.Is(cause, bus.ErrStalled) {
			t.Errorf("call %d: context cause = %v, want bus.ErrStalled", i+1, cause)
		}
		if n := <-seen; n != i {
			t.Errorf("call %d saw %d failed attempts, want %d", i+1, n, i)
		}
	}
	dl := r.deadLetters()[0]
	if dl.Attempts != 2 || dl.Reason != fault.ReasonMaxAttempts || !strings.Contains(dl.Error, bus.ErrStalled.Error()) {
		t.Errorf("dead letter = %+v, want 2 attempts, reason %s, a stall error", dl, fault.ReasonMaxAttempts)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("handler called %d times, want 2", n)
	}
}

// Workers that die holding a job cost it nothing: more crashes than
// MaxAttempts, then a worker that succeeds, and no attempt is ever counted.
func TestIntegrationCrashIsNotAFailure(t *testing.T) {
	skipShort(t)
	t.Parallel()
	p := policy()
	p.MaxAttempts = 1
	var calls atomic.Int32
	seen := make(chan int, 1)
	r := (*rig)(nil)
	r = newRig(t, p, func(_ context.Context, job bus.Job, _ *transfer.Progress) worker.Outcome {
		calls.Add(1)
		seen <- r.attempts(job.ID)
		return worker.Outcome{}
	})
	r.publish(job("orphan", "a"))
	r.crash()
	r.crash() // after the first crash's ack wait ran out
	r.start()
	waitFor(t, "the job to be acked", func() bool { return calls.Load() > 0 && r.backlog() == 0 })
	if n := <-seen; n != 0 {
		t.Errorf("handler saw %d failed attempts after two crashes, want 0", n)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("handler called %d times, want 1", n)
	}
	if dls := r.deadLetters(); len(dls) != 0 {
		t.Errorf("crashes dead-lettered the job: %+v", dls)
	}
}

// Shutting down during a job hands it back untouched, whether the handler
// gives up on cancellation or finishes the work anyway; a job that finishes
// within Policy.Grace is acked.
func TestIntegrationShutdownIsNotAFailure(t *testing.T) {
	skipShort(t)
	t.Parallel()
	giveUp := func(ctx context.Context, j bus.Job) worker.Outcome {
		<-ctx.Done()
		return worker.Outcome{Pending: j.Files, Err: ctx.Err()}
	}
	tests := []struct {
		name    string
		grace   time.Duration
		work    func(context.Context, bus.Job) worker.Outcome
		backlog uint64 // jobs left after shutdown
	}{
		{"handler gives up", 0, giveUp, 1},
		{"handler finishes", 0, func(ctx context.Context, _ bus.Job) worker.Outcome { <-ctx.Done(); return worker.Outcome{} }, 0},
		{"grace runs out", 200 * time.Millisecond, giveUp, 1},
		{"job finishes within grace", 10 * time.Second, func(ctx context.Context, j bus.Job) worker.Outcome {
			select {
			case <-ctx.Done():
				return worker.Outcome{Pending: j.Files, Err: ctx.Err()}
			case <-time.After(300 * time.Millisecond):
				return worker.Outcome{}
			}
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			started := make(chan struct{}, 2)
			p := policy()
			p.Grace = tt.grace
			r := newRig(t, p, func(ctx context.Context, job bus.Job, _ *transfer.Progress) worker.Outcome {
				if calls.Add(1) > 1 {
					return worker.Outcome{}
				}
				started <- struct{}{}
				return tt.work(ctx, job)
			})
			r.publish(job("interrupted", "a"))
			stop := r.start()
			<-started
			stop()
			if n := r.attempts("interrupted"); n != 0 {
				t.Errorf("shutdown counted %d failed attempts", n)
			}
			if n := r.backlog(); n != tt.backlog {
				t.Errorf("backlog after shutdown = %d, want %d", n, tt.backlog)
			}
			if dls := r.deadLetters(); len(dls) != 0 {
				t.Errorf("shutdown dead-lettered the job: %+v", dls)
			}
			if tt.backlog == 0 {
				return
			}
			restart := time.Now()
			r.start()
			waitFor(t, "the restarted loop to finish the job", func() bool { return r.backlog() == 0 })
			if d := time.Since(restart); d > p.AckWait {
				t.Errorf("restarted loop got the job after %v: it was not handed back, its ack wait ran out", d)
			}
			if n := calls.Load(); n != 2 {
				t.Errorf("handler called %d times, want 2", n)
			}
		})
	}
}
