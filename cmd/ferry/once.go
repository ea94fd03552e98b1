package main

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/ferrydata/ferry/watcher"
)

// runOnce scans every route once, lets the pipeline move and verify what it
// found, waits until each found file is done, and reports.
func runOnce(ctx context.Context, sys *system, stdout io.Writer) error {
	start := time.Now()
	w, err := sys.forRole("watcher").newWatcher()
	if err != nil {
		return err
	}
	roles, err := sys.roles(ctx, []string{"dispatcher", "mover", "verifier"}, 250*time.Millisecond)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pipeline := runInBackground(ctx, roles, roleGrace(sys.grace()), sys.log)

	t, err := followLedger(ctx, sys)
	if err != nil {
		return err
	}
	defer t.stop()
	o := &onceWait{sys: sys, watcher: w, show: progressTo(stdout), tally: t}
	err = o.scan(ctx)
	var sum summary
	if err == nil {
		sum, err = o.wait(ctx, pipeline)
	}
	cancel()
	<-pipeline.done // bounded: runAll gives up on roles after their grace
	if err == nil {
		err = pipeline.err
	}
	if err != nil {
		return err
	}
	sum.Took = time.Since(start)
	printSummary(stdout, sum)
	if sum.Failed > 0 {
		return fmt.Errorf("%d of %d files failed (see `ferry dead list`): %w", sum.Failed, sum.Files, errFailures)
	}
	if len(sum.NotMoved) > 0 {
		return fmt.Errorf("%d files or directories were not moved (skipped or unreadable): %w", len(sum.NotMoved), errIncomplete)
	}
	return nil
}

type onceWait struct {
	sys      *system
	watcher  *watcher.Watcher
	show     func(summary)
	problems map[string]watcher.Problem // of every scan, by route, path and reason
	tally    *tally
	scans    int // scans begun
	// unannounced: files the last scan found in flight by the ledger but did
	// not announce: held by a job, or orphans whose message was lost (with a
	// killed predecessor: announcements are kept in memory). The run does
	// not end before a scan with the queues empty finds none.
	unannounced int64
	restored    bool // leftovers of killed deletes were put back (see restoreLeftovers)
}

// scan runs the watcher's scan, keeps its problems, and counts the files it
// found that are still to settle (see tally.expect). A route that could not
// be listed is one of the problems: the run goes on with the other routes
// and cannot succeed.
func (o *onceWait) scan(ctx context.Context) error {
	since, doneBefore := time.Now(), o.tally.doneSoFar()
	first := o.scans == 0
	o.scans++
	var toSettle, found, deferred, unannounced atomic.Int64
	problems, err := o.watcher.ScanEach(ctx, func(s watcher.Seen) {
		found.Add(1)
		if s.Deferred {
			deferred.Add(1)
		}
		if o.settledBefore(ctx, s, since, first) {
			return
		}
		toSettle.Add(1)
		if !s.Announced && !s.Deferred {
			unannounced.Add(1)
		}
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	o.sys.log.Info("scanned", "closed", found.Load(), "to_settle", toSettle.Load(), "deferred", deferred.Load(),
		"took", time.Since(since))
	o.tally.expect(doneBefore + int(toSettle.Load()))
	o.unannounced = unannounced.Load()
	if err != nil {
		o.sys.log.Warn("scan incomplete", "err", err)
		problems = append(problems, watcher.Problem{Reason: reasonScanFailed, Detail: err.Error()})
	}
	if o.problems == nil {
		o.problems = map[string]watcher.Problem{}
	}
	for _, p := range problems {
		o.problems[p.Route+"\x00"+p.Path+"\x00"+p.Reason] = p // a rescan's wording may differ
	}
	return nil
}

// settledBefore reports whether a file found by a scan was settled before
// that scan began (since): nothing more happens to it in this run. The
// first scan counts such files (verified and kept, or failed, by an earlier
// run) at once; a later scan's were counted already. A file announced now
// needs no look at its record.
func (o *onceWait) settledBefore(ctx context.Context, s watcher.Seen, since time.Time, first bool) bool {
	if s.Announced || s.Deferred {
		return false // a deferred file is looked at when a catch-up pass reaches it
	}
	rec, _, err := o.sys.ledger.Get(ctx, s.Route, s.Host, s.File.Path)
	if err != nil || !rec.Settled(s.File) || !rec.Updated.Before(since) {
		return false // still to come, or settled during this run: the tally counts it
	}
	if first {
		o.tally.before(rec)
	}
	return true
}

// wait follows the ledger until the files found are settled.
func (o *onceWait) wait(ctx context.Context, pipeline *background) (summary, error) {
	// Ticks are short: the run ends, and its summary prints, within one of
	// the last file settling.
	const every = 50 * time.Millisecond
	tick := time.NewTicker(every)
	defer tick.Stop()
	idleTicks := 0
	for {
		sum := o.tally.summary()
		o.show(sum)
		// Files the scan left on disk for a full queue are announced as it
		// drains; until none are left, the run is not over whatever the tally says.
		behind := o.watcher.Behind()
		if behind {
			if err := o.watcher.CatchUp(ctx); err != nil {
				o.sys.log.Warn("couldn't catch up with files left on disk; retrying", "err", err)
			}
		}
		settled := o.tally.settled()
		backlog, err := o.sys.bus.Backlog(ctx)
		if err != nil {
			return sum, err
		}
		// The tally may count a file twice (moved by a job of the run before
		// and by this one's), so files the last scan left unannounced keep
		// the run going until a rescan with the queues empty finds none.
		orphans := settled && backlog == 0 && !behind && o.unannounced > 0
		if settled && backlog == 0 && !behind && !orphans {
			if o.restoreLeftovers(ctx) {
				continue
			}
			sum.NotMoved = sortedProblems(o.problems)
			return sum, nil
		}
		settled = settled && !orphans
		next := tick.C
		if settled {
			// Only the last acks are still on their way: look again soon.
			next = time.After(10 * time.Millisecond)
		}
		select {
		case <-ctx.Done():
			return sum, fmt.Errorf("%d files still pending: %w", o.tally.pending(), ctx.Err())
		case <-pipeline.done:
			return sum, fmt.Errorf("pipeline stopped with %d files pending: %w", o.tally.pending(), pipeline.err)
		case <-next:
			if settled {
				continue
			}
		}
		if idleTicks = idleTicks + 1; backlog > 0 {
			idleTicks = 0
		}
		if idleTicks%int(5*time.Second/every) == int(time.Second/every) { // nothing queued for a second, then every 5 s
			// Files not done with nothing queued lost their messages (say, a
			// crash between a ledger write and a publish): the scan announces
			// such orphans again.
			o.sys.log.Warn("queues empty but files not done: rescanning for lost messages", "files", o.tally.pending())
			if err := o.scan(ctx); err != nil {
				return sum, err
			}
		}
	}
}

// restoreLeftovers puts back, once, the files a delete killed mid-way (an
// earlier run's) left under its private name, which scans leave alone for
// transfer.QuarantineGrace, and rescans so the run waits for them to be
// verified and deleted again. Only when this process is the only one and
// its queues are empty: no delete can be at work on such a file, and no
// job of it is still queued to meet it under a new ctime. It reports
// whether it rescanned.
func (o *onceWait) restoreLeftovers(ctx context.Context) bool {
	if o.restored || !o.sys.soleProcess() {
		return false
	}
	left := 0
	for k, p := range o.problems {
		if p.Reason == watcher.ReasonInterruptedDelete {
			left++
			delete(o.problems, k) // the rescan names those still left
		}
	}
	if left == 0 {
		return false
	}
	o.restored = true
	o.sys.log.Info("putting back files left by a delete that was killed", "files", left)
	o.watcher.RestoreLeftBefore(time.Now())
	if err := o.scan(ctx); err != nil {
		o.sys.log.Warn("couldn't rescan after putting back files", "err", err)
	}
	return true
}
