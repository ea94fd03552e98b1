package worker

import (
	"context"
	"errors"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/ledger"
)

// settleTimeout bounds the writes that end a delivery.
const settleTimeout = 10 * time.Second

// settle ends a delivery: ack, retry later, or dead letters then term.
// It runs to the end even when ctx is cancelled: work finished during a
// shutdown is acked, not done again after the restart.
func (l *Loop) settle(ctx context.Context, msg *bus.Delivery, job bus.Job, out Outcome) {
	stage := string(l.Stage)
	stopping := ctx.Err() != nil
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	if len(out.Dead) > 0 {
		reason := out.Dead[0].Reason
		if !l.deadLetter(ctx, msg, job, out.Dead, reason, 0) {
			return
		}
	}
	if len(out.Pending) == 0 {
		if err := msg.Ack(ctx); err != nil {
			l.Log.Warn("couldn't ack job; it will run again", "stage", stage, "job", job.ID, "err", err)
		}
		_ = l.Ledger.Forget(ctx, l.Stage, job.ID)
		l.Metrics.Jobs.WithLabelValues(stage, job.Route, "ok").Inc()
		return
	}
	if stopping {
		// Shutting down: not the job's failure. Hand it back untouched.
		_ = msg.Retry(0)
		return
	}
	if out.Err == nil { // a handler bug must not crash the daemon
		out.Err = errors.New("handler left files pending without an error")
	}
	if errors.Is(out.Err, fault.ErrUnavailable) {
		// NATS failed, not the files: wait for it without spending an attempt.
		l.Log.Warn("job waits for nats", "stage", stage, "job", job.ID, "files", len(out.Pending),
			"retry_in", l.Policy.backoff(1), "err", out.Err)
		_ = msg.Retry(l.Policy.backoff(1))
		return
	}
	attempts, err := l.Ledger.Failure(ctx, l.Stage, job.ID, out.Err)
	if err != nil {
		l.Log.Error("couldn't record failed attempt; retrying", "stage", stage, "job", job.ID, "err", err)
		_ = msg.Retry(l.Policy.backoff(1))
		return
	}
	reason, retryable := fault.Classify(out.Err)
	if attempts >= l.Policy.MaxAttempts || !retryable {
		if reason == fault.ReasonError {
			reason = fault.ReasonMaxAttempts
		}
		dead := make([]bus.DeadFile, len(out.Pending))
		for i, f := range out.Pending {
			dead[i] = bus.DeadFile{File: f, Reason: reason, Error: out.Err.Error()}
		}
		if l.deadLetter(ctx, msg, job, dead, reason, attempts) {
			_ = msg.Term(reason)
			_ = l.Ledger.Forget(ctx, l.Stage, job.ID)
		}
		return
	}
	delay := l.Policy.backoff(attempts)
	l.Log.Warn("job failed; will retry", "stage", stage, "job", job.ID, "attempt", attempts,
		"of", l.Policy.MaxAttempts, "files", len(out.Pending), "retry_in", delay, "err", out.Err)
	l.Metrics.Jobs.WithLabelValues(stage, job.Route, "retry").Inc()
	_ = msg.Retry(delay)
}

// deadLetter publishes dead files, marks them failed in the ledger and counts
// them. If the publish fails, the job is retried so nothing is dropped silently.
func (l *Loop) deadLetter(ctx context.Context, msg *bus.Delivery, job bus.Job, dead []bus.DeadFile, reason string, attempts int) bool {
	dl := bus.DeadLetter{JobID: job.ID, Route: job.Route, Host: job.Host, Files: dead,
		Reason: reason, Error: dead[0].Error, Attempts: attempts}
	if err := l.Bus.PublishDead(ctx, l.Stage, dl); err != nil {
		l.Log.Error("couldn't publish dead letter; retrying job", "stage", l.Stage, "job", job.ID, "err", err)
		_ = msg.Retry(l.Policy.backoff(1))
		return false
	}
	for _, d := range dead {
		err := l.Ledger.Set(ctx, job.Route, job.Host, d.File, ledger.Failed, func(r *ledger.Record) {
			r.JobID, r.Reason, r.LastError, r.Attempts = job.ID, d.Reason, d.Error, attempts
		})
		if err != nil {
			l.Log.Warn("couldn't record failed file", "path", d.File.Path, "err", err)
		}
		l.Metrics.DeadLetters.WithLabelValues(string(l.Stage), job.Route, d.Reason).Inc()
		l.Log.Error("file dead-lettered", "stage", l.Stage, "job", job.ID, "route", job.Route,
			"path", d.File.Path, "reason", d.Reason, "err", d.Error)
	}
	l.Metrics.Jobs.WithLabelValues(string(l.Stage), job.Route, "dead").Inc()
	return true
}

// reject dead-letters a message that is not a job this worker may run.
func (l *Loop) reject(ctx context.Context, msg *bus.Delivery, job bus.Job, cause error) {
	reason, _ := fault.Classify(cause)
	dl := bus.DeadLetter{JobID: job.ID, Route: job.Route, Host: job.Host, Reason: reason,
		Error: cause.Error(), Raw: msg.Data()}
	if err := l.Bus.PublishDead(ctx, l.Stage, dl); err != nil {
		l.Log.Error("couldn't dead-letter a bad job; will retry", "err", err)
		_ = msg.Retry(5 * time.Second)
		return
	}
	l.Log.Error("bad job dead-lettered", "stage", l.Stage, "subject", msg.Subject(), "reason", reason, "err", cause)
	l.Metrics.DeadLetters.WithLabelValues(string(l.Stage), "_invalid", reason).Inc()
	_ = msg.Term(reason)
}
