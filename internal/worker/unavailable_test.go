package worker_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/worker"
)

// A job that fails only because NATS did not answer (a node lost, a leader
// being elected) waits for NATS: it spends no attempt, however many times
// that happens, and is not dead-lettered.
func TestIntegrationUnavailableSpendsNoAttempt(t *testing.T) {
	skipShort(t)
	t.Parallel()
	const outages = 5 // more than policy().MaxAttempts
	var calls atomic.Int32
	r := newRig(t, policy(), func(_ context.Context, job bus.Job, _ *transfer.Progress) worker.Outcome {
		if calls.Add(1) <= outages {
			return worker.Outcome{Pending: job.Files,
				Err: fmt.Errorf("couldn't publish verify job: %w: context deadline exceeded", fault.ErrUnavailable)}
		}
		return worker.Outcome{}
	})
	r.publish(job("waits", "a"))
	r.start()
	waitFor(t, "the job done", func() bool { return calls.Load() > outages && r.backlog() == 0 })
	if dls := r.deadLetters(); len(dls) != 0 {
		t.Errorf("dead letters: %+v", dls)
	}
	if n := r.attempts("waits"); n != 0 {
		t.Errorf("%d attempts recorded, want none", n)
	}
}
