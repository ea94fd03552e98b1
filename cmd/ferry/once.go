package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/watcher"
)

// runOnce scans every route once, lets the pipeline move and verify what it
// found, waits until each found file is done, and reports.
func runOnce(ctx context.Context, sys *system, stdout io.Writer) error {
	start := time.Now()
	w, err := sys.newWatcher()
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

	o := &onceWait{sys: sys, watcher: w, show: progressTo(stdout)}
	seen, err := o.scan(ctx)
	var sum summary
	if err == nil {
		sum, err = o.wait(ctx, seen, pipeline)
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
}

// scan runs the watcher's scan and keeps its problems. A route that could
// not be listed is one of them: the run goes on with the other routes and
// cannot succeed.
func (o *onceWait) scan(ctx context.Context) ([]watcher.Seen, error) {
	seen, problems, err := o.watcher.Scan(ctx)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
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
	return seen, nil
}

// wait polls the ledger until every seen file is in a final state.
func (o *onceWait) wait(ctx context.Context, seen []watcher.Seen, pipeline *background) (summary, error) {
	sum := summary{Files: len(seen), Reasons: map[string]int{}}
	pending := map[string]watcher.Seen{}
	for _, s := range seen {
		pending[s.Route+"\x00"+s.File.Path] = s
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	idleTicks := 0
	for {
		if err := o.collect(ctx, pending, &sum); err != nil {
			return sum, err
		}
		o.show(sum)
		if len(pending) == 0 {
			sum.NotMoved = sortedProblems(o.problems)
			return sum, nil
		}
		select {
		case <-ctx.Done():
			return sum, fmt.Errorf("%d files still pending: %w", len(pending), ctx.Err())
		case <-pipeline.done:
			return sum, fmt.Errorf("pipeline stopped with %d files pending: %w", len(pending), pipeline.err)
		case <-tick.C:
		}
		backlog, err := o.sys.bus.Backlog(ctx)
		if err != nil {
			return sum, err
		}
		if idleTicks = idleTicks + 1; backlog > 0 {
			idleTicks = 0
		}
		if idleTicks%25 == 5 { // nothing queued for a second, then every 5 s
			if err := o.rescan(ctx, pending, &sum); err != nil {
				return sum, err
			}
		}
	}
}

// collect moves files that reached a final state from pending to sum.
func (o *onceWait) collect(ctx context.Context, pending map[string]watcher.Seen, sum *summary) error {
	for key, s := range pending {
		rec, _, err := o.sys.ledger.Get(ctx, s.Route, s.Host, s.File.Path)
		if errors.Is(err, ledger.ErrNoRecord) {
			continue
		}
		if err != nil {
			return err
		}
		if !rec.Settled(s.File) {
			continue
		}
		delete(pending, key)
		switch rec.State {
		case ledger.Moved:
			sum.Moved++
			sum.Bytes += rec.Size
		case ledger.Verified:
			sum.Kept++
			sum.Bytes += rec.Size
		case ledger.Failed:
			sum.Failed++
			sum.Reasons[rec.Reason]++
		}
	}
	return nil
}

// rescan runs the watcher's scan again while the queues are empty but files
// are not done: their messages were lost (say, a crash between a ledger write
// and a publish), and the scan announces such orphans again.
func (o *onceWait) rescan(ctx context.Context, pending map[string]watcher.Seen, sum *summary) error {
	o.sys.log.Warn("queues empty but files not done: rescanning for lost messages", "files", len(pending))
	seen, err := o.scan(ctx)
	if err != nil {
		return err
	}
	for _, s := range seen {
		key := s.Route + "\x00" + s.File.Path
		if _, ok := pending[key]; !ok {
			rec, _, err := o.sys.ledger.Get(ctx, s.Route, s.Host, s.File.Path)
			if err == nil && rec.Settled(s.File) {
				continue // counted already, or done before this run
			}
			pending[key] = s
			sum.Files++
		}
	}
	return nil
}
