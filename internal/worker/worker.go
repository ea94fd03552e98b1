package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/metrics"
	"github.com/ferrydata/ferry/internal/transfer"
)

// Policy says how long a job may stay silent and how often it is retried.
type Policy struct {
	MaxAttempts int             // failed attempts before the dead letters
	Backoff     []time.Duration // delay after attempt n; the last entry repeats; empty: none (see Delay)
	AckWait     time.Duration   // heartbeats come every AckWait/3
	StallAfter  time.Duration   // no bytes moved for this long fails the attempt
	// Grace is how long jobs in flight may finish after a shutdown starts;
	// then they are cancelled and handed back untouched.
	Grace time.Duration
}

// Delay is how long a job waits after its given failed attempt (1 for the
// first): Backoff[attempt-1], the last entry repeating past the end, and no
// delay when Backoff is empty, as retry.backoff is documented. It is the one
// implementation of that rule.
func (p Policy) Delay(attempt int) time.Duration {
	if len(p.Backoff) == 0 {
		return 0
	}
	return p.Backoff[min(max(attempt, 1), len(p.Backoff))-1]
}

// emptyBackoffOutageWait is the wait that spends no attempt (NATS
// unavailable, a ledger or dead-letter write failed) under "backoff: []":
// no delay there would poll an outage in a tight loop.
const emptyBackoffOutageWait = time.Second

// outageWait is how long a job waits for NATS without spending an attempt:
// the first backoff entry, as before, or emptyBackoffOutageWait.
func (p Policy) outageWait() time.Duration {
	if len(p.Backoff) == 0 {
		return emptyBackoffOutageWait
	}
	return p.Delay(1)
}

// Outcome is what a handler did with a job. Files not named in Dead or
// Pending succeeded.
type Outcome struct {
	Dead    []bus.DeadFile // will never succeed: dead-letter now
	Pending []bus.File     // failed for a reason that may pass: retry the job
	Err     error          // why Pending failed
}

// Handler does a stage's work on one valid job.
type Handler func(ctx context.Context, job bus.Job, progress *transfer.Progress) Outcome

// Deps are what the loop needs.
type Deps struct {
	Bus     *bus.Bus
	Ledger  *ledger.Ledger
	Log     *slog.Logger
	Metrics *metrics.Metrics
}

// Loop consumes one stage's jobs for some hosts.
type Loop struct {
	Stage       bus.Stage
	Hosts       []string // the config host, and bus.HostAny when a route is shared
	Concurrency int
	Policy      Policy
	// Accept rejects jobs this worker must not run (unknown route, wrong
	// host); the error should wrap fault.ErrInvalid.
	Accept func(bus.Job) error
	Handle Handler
	Deps
}

// Run consumes until ctx is cancelled. Then it takes no more jobs, lets
// those in flight finish for up to Policy.Grace, and hands back the rest.
func (l *Loop) Run(ctx context.Context) error {
	jobs, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	go func() {
		select {
		case <-ctx.Done():
		case <-jobs.Done():
			return
		}
		select {
		case <-time.After(l.Policy.Grace):
			cancelJobs()
		case <-jobs.Done():
		}
	}()
	errs := make(chan error, len(l.Hosts))
	for _, host := range l.Hosts {
		go func() {
			cc := bus.ConsumerConfig{Stage: l.Stage, Host: host, AckWait: l.Policy.AckWait, MaxAckPending: 1000}
			errs <- l.Bus.Work(ctx, cc, l.Concurrency, func(_ context.Context, d *bus.Delivery) { l.handle(jobs, d) })
		}()
	}
	var all []error
	for range l.Hosts {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}

func (l *Loop) handle(ctx context.Context, msg *bus.Delivery) {
	// Route and host come from the subject, which NATS permissions protect;
	// a body naming others is forged and touches no ledger record.
	from, err := bus.JobOrigin(l.Stage, msg.Subject())
	var job bus.Job
	if err == nil {
		job, err = bus.DecodeJob(msg.Data())
	}
	if err == nil {
		err = from.Check(job.Route, job.Host)
	}
	if err != nil {
		l.reject(ctx, msg, from, job, nil, err)
		return
	}
	if err := l.Accept(job); err != nil {
		// Announced by the subject's own host, but not ours to run (a route
		// or rules this worker lacks): its files fail once, not every rescan.
		l.reject(ctx, msg, from, job, job.Files, err)
		return
	}
	ctx = withJobLog(ctx, l.Log, job)
	start := time.Now()
	progress := &transfer.Progress{}
	work, stop := bus.KeepAlive(ctx, msg, l.Policy.AckWait, l.Policy.StallAfter, progress.Load)
	out := l.run(work, job, progress)
	if out.Err != nil && errors.Is(context.Cause(work), bus.ErrStalled) {
		out.Err = fmt.Errorf("%w: %v", bus.ErrStalled, out.Err)
	}
	stop()
	l.Metrics.StageSeconds.WithLabelValues(string(l.Stage), job.Route).Observe(time.Since(start).Seconds())
	l.settle(ctx, msg, job, out)
}

// run calls the handler; a panic is a failed attempt, not a dead daemon.
func (l *Loop) run(ctx context.Context, job bus.Job, progress *transfer.Progress) (out Outcome) {
	defer func() {
		if r := recover(); r != nil {
			JobLog(ctx, l.Log).Error("job handler panicked", "stage", l.Stage, "panic", r)
			out = Outcome{Pending: job.Files, Err: fmt.Errorf("handler panicked: %v", r)}
		}
	}()
	return l.Handle(ctx, job, progress)
}
