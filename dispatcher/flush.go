package dispatcher

import (
	"context"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/parallel"
)

// flush publishes each group as a job, then acknowledges its events. If the
// publish fails the events go back to the server to be batched again.
func (d *Dispatcher) flush(ctx context.Context, groups []*group[*bus.Delivery]) {
	for _, g := range groups {
		job := bus.Job{ID: bus.NewJobID(time.Now()), Route: g.key.route, Host: g.key.host}
		for _, it := range g.items {
			job.Files = append(job.Files, it.file)
		}
		if err := d.Bus.PublishJob(ctx, bus.StageCopy, job); err != nil {
			d.Log.Error("couldn't publish job; events handed back", "route", job.Route, "host", job.Host, "err", err)
			for _, it := range g.items {
				_ = it.ref.Retry(time.Second)
			}
			continue
		}
		d.sent(job.Host)
		log := d.Log.With("route", job.Route, "host", job.Host, "job", job.ID)
		parallel.Each(len(job.Files), len(job.Files), func(i int) {
			f := job.Files[i]
			if f.Size < ledger.SlowFileSize {
				return
			}
			err := d.Ledger.Set(ctx, job.Route, job.Host, f, ledger.Batched, func(r *ledger.Record) { r.JobID = job.ID })
			if err != nil {
				log.Warn("couldn't record batched file", "file", f.Path, "err", err)
			}
		})
		for _, it := range g.items {
			if err := it.ref.AckNoWait(); err != nil {
				// The job is out; a redelivered event only makes a duplicate
				// job, and every later step is idempotent.
				log.Warn("couldn't ack closed event", "file", it.file.Path, "err", err)
			}
		}
		d.Metrics.Jobs.WithLabelValues(string(bus.StageDispatch), job.Route, "ok").Inc()
		log.Info("job dispatched", "files", len(job.Files), "bytes", g.bytes, "flushed", g.why)
	}
}

// handBack returns every event still waiting in a batch to the server at
// once, so another dispatcher picks them up without waiting for ack-wait.
func (d *Dispatcher) handBack() {
	for _, g := range d.batch.due(time.Time{}, true) {
		for _, it := range g.items {
			_ = it.ref.Retry(0)
		}
	}
}

// reject dead-letters an event that cannot be batched, then drops it. The
// letter is filed under the subject's route and host, never the body's. A
// file the subject vouches for is marked failed, so the watcher does not
// announce it again; one already failed for this reason gets no second letter.
func (d *Dispatcher) reject(ctx context.Context, msg *bus.Delivery, from bus.Origin, file *bus.File, err error) {
	reason, _ := fault.Classify(err)
	var dead []bus.DeadFile
	if file != nil {
		dead = []bus.DeadFile{{File: *file, Reason: reason, Error: err.Error()}}
	}
	if done, lerr := d.Ledger.AlreadyFailed(ctx, from.Route, from.Host, dead); lerr == nil && done {
		d.Log.Warn("closed event of a file already dead-lettered; dropped", "subject", msg.Subject(), "reason", reason)
		_ = msg.Term(reason)
		return
	}
	dl := bus.DeadLetter{Route: from.Route, Host: from.Host, Files: dead, Reason: reason, Error: err.Error(), Raw: msg.Data()}
	if perr := d.Bus.PublishDead(ctx, bus.StageDispatch, dl); perr != nil {
		d.Log.Error("couldn't dead-letter a bad event; will retry", "err", perr)
		_ = msg.Retry(5 * time.Second)
		return
	}
	if lerr := d.Ledger.Fail(ctx, from.Route, from.Host, "", 0, dead); lerr != nil {
		// Else the watcher announces the file again; the letter is a duplicate then.
		d.Log.Error("couldn't record a rejected file failed; will retry", "subject", msg.Subject(), "err", lerr)
		_ = msg.Retry(5 * time.Second)
		return
	}
	d.Log.Error("bad closed event dead-lettered", "subject", msg.Subject(), "reason", reason, "err", err)
	label := from.Route
	if _, known := d.cfg.Routes[label]; !known {
		label = "_invalid" // a forged route must not mint a new time series
	}
	d.Metrics.DeadLetters.WithLabelValues(string(bus.StageDispatch), label, reason).Inc()
	_ = msg.Term(reason)
}
