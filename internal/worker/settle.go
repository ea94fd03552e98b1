package worker

import (
	"context"
	"errors"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
)

// settleTimeout bounds the writes that end a delivery.
const settleTimeout = 10 * time.Second

// settle ends a delivery: ack, retry later, or dead letters then term.
// It runs to the end even when ctx is cancelled: work finished during a
// shutdown is acked, not done again after the restart.
//
// A job done at its first delivery has no failed attempt to forget: a
// failure is recorded only here, and then the message is handed back and
// delivered again. Skipping Forget then saves a durable write and the delete
// marker it leaves in the ledger for good. (A consumer created afresh, as by
// a restart's ReclaimJobs, counts deliveries from 1 again: a count recorded
// before it is left behind, a few bytes: only a duplicate of that job would
// start from it.)
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
			JobLog(ctx, l.Log).Warn("couldn't ack job; it will run again", "stage", stage, "err", err)
		}
		if msg.Delivered() != 1 {
			_ = l.Ledger.Forget(ctx, l.Stage, job.ID)
		}
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
		JobLog(ctx, l.Log).Warn("job waits for nats", "stage", stage, "files", len(out.Pending),
			"retry_in", l.Policy.outageWait(), "err", out.Err)
		_ = msg.Retry(l.Policy.outageWait())
		return
	}
	attempts, err := l.Ledger.Failure(ctx, l.Stage, job.ID, out.Err)
	if err != nil {
		JobLog(ctx, l.Log).Error("couldn't record failed attempt; retrying", "stage", stage, "err", err)
		_ = msg.Retry(l.Policy.outageWait())
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
	delay := l.Policy.Delay(attempts)
	JobLog(ctx, l.Log).Warn("job failed; will retry", "stage", stage, "attempt", attempts,
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
		JobLog(ctx, l.Log).Error("couldn't publish dead letter; retrying job", "stage", l.Stage, "err", err)
		_ = msg.Retry(l.Policy.outageWait())
		return false
	}
	if err := l.Ledger.Fail(ctx, job.Route, job.Host, job.ID, attempts, dead); err != nil {
		JobLog(ctx, l.Log).Warn("couldn't record failed files", "stage", l.Stage, "err", err)
	}
	for _, d := range dead {
		l.Metrics.DeadLetters.WithLabelValues(string(l.Stage), job.Route, d.Reason).Inc()
		FileLog(ctx, l.Log, d.File).Error("file dead-lettered", "stage", l.Stage, "reason", d.Reason, "err", d.Error)
	}
	l.Metrics.Jobs.WithLabelValues(string(l.Stage), job.Route, "dead").Inc()
	return true
}

// reject dead-letters a message that is not a job this worker may run.
// The letter is filed under the subject's route and host (the only ones
// this host may publish dead letters for), never the body's. files, when
// the subject vouches for them, are marked failed so the watcher does not
// announce them again; a file already failed for this reason gets no
// second letter.
func (l *Loop) reject(ctx context.Context, msg *bus.Delivery, from bus.Origin, job bus.Job, files []bus.File, cause error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	reason, _ := fault.Classify(cause)
	dead := make([]bus.DeadFile, len(files))
	for i, f := range files {
		dead[i] = bus.DeadFile{File: f, Reason: reason, Error: cause.Error()}
	}
	if done, err := l.Ledger.AlreadyFailed(ctx, from.Route, from.Host, dead); err == nil && done {
		l.Log.Warn("job of files already dead-lettered; dropped", "stage", l.Stage, "job", job.ID, "reason", reason)
		_ = msg.Term(reason)
		return
	}
	dl := bus.DeadLetter{JobID: job.ID, Route: from.Route, Host: from.Host, Files: dead, Reason: reason,
		Error: cause.Error(), Raw: msg.Data()}
	if err := l.Bus.PublishDead(ctx, l.Stage, dl); err != nil {
		l.Log.Error("couldn't dead-letter a bad job; will retry", "err", err)
		_ = msg.Retry(5 * time.Second)
		return
	}
	if err := l.Ledger.Fail(ctx, from.Route, from.Host, job.ID, 0, dead); err != nil {
		// Else the watcher announces the files again; the letter is a duplicate then.
		l.Log.Error("couldn't record rejected files failed; will retry", "stage", l.Stage, "job", job.ID, "err", err)
		_ = msg.Retry(5 * time.Second)
		return
	}
	l.Log.Error("bad job dead-lettered", "stage", l.Stage, "subject", msg.Subject(), "reason", reason, "err", cause)
	l.Metrics.DeadLetters.WithLabelValues(string(l.Stage), "_invalid", reason).Inc()
	_ = msg.Term(reason)
}
