package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// errStuck means the command did not stop within its shutdown grace and was
// abandoned: whatever still ran ends with the process.
var errStuck = errors.New("gave up waiting at the end of the shutdown grace")

// The shutdown grace is one budget, spent in order once a stop is asked for:
// jobs in flight may finish for the first half, roles must have handed the
// rest back by three quarters, and the last quarter is for closing the bus
// and the server. At the full grace the command returns regardless.
func jobGrace(grace time.Duration) time.Duration  { return grace / 2 }
func roleGrace(grace time.Duration) time.Duration { return grace * 3 / 4 }

// bounded runs fn and, once ctx ends, gives it grace to return. Past that it
// returns errStuck and leaves fn running: a hung syscall or library call
// must not keep the process alive after it was told to stop.
func bounded(ctx context.Context, grace time.Duration, log *slog.Logger, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		log.Error("command did not stop within the shutdown grace; exiting anyway", "grace", grace,
			"stuck_in", stuckIn())
		return fmt.Errorf("couldn't stop within %s: %w", grace, errStuck)
	}
}

// stuckIn names, for each goroutine in ferry's own code, the innermost
// ferry function it waits in and where: what an operator would otherwise
// need a SIGQUIT dump for.
func stuckIn() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		lines := strings.Split(g, "\n")
		for i := 1; i+1 < len(lines); i += 2 {
			fn := lines[i]
			if !strings.HasPrefix(fn, "github.com/ferrydata/ferry/") && !strings.HasPrefix(fn, "main.") {
				continue
			}
			fn = strings.TrimPrefix(fn, "github.com/ferrydata/ferry/")
			fn = strings.TrimPrefix(fn, "cmd/ferry.") // package main, as a test binary names it
			fn = strings.TrimPrefix(fn, "main.")
			if strings.HasPrefix(fn, "stuckIn") || strings.HasPrefix(fn, "bounded") {
				break // this report itself
			}
			if j := strings.LastIndex(fn, "("); j > 0 {
				fn = fn[:j]
			}
			where, _, _ := strings.Cut(strings.TrimSpace(lines[i+1]), " ")
			out = append(out, fn+" at "+filepath.Base(where))
			break
		}
	}
	return out
}

// runner is a role's Run.
type runner func(context.Context) error

// runAll runs roles until ctx is cancelled or one fails; a failing role stops
// the others. Once stopping, it waits at most grace for them: roles still
// running then are logged, left behind and reported as errStuck.
func runAll(ctx context.Context, roles map[string]runner, grace time.Duration, log *slog.Logger) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		name string
		err  error
	}
	results := make(chan result, len(roles))
	running := map[string]bool{}
	for name, run := range roles {
		running[name] = true
		go func() {
			err := run(ctx)
			if errors.Is(err, context.Canceled) && ctx.Err() != nil {
				err = nil // stopped while starting: that is a stop, not a failure
			}
			if err != nil {
				err = fmt.Errorf("%s: %w", name, err)
			}
			cancel()
			results <- result{name, err}
		}()
	}
	var all []error
	var deadline <-chan time.Time
	stopping := ctx.Done()
	for len(running) > 0 {
		select {
		case r := <-results:
			delete(running, r.name)
			all = append(all, r.err)
		case <-stopping:
			stopping = nil
			t := time.NewTimer(grace)
			defer t.Stop()
			deadline = t.C
		case <-deadline:
			names := make([]string, 0, len(running))
			for name := range running {
				names = append(names, name)
			}
			slices.Sort(names)
			log.Error("roles did not stop within the shutdown grace; leaving them", "roles", names, "grace", grace)
			return errors.Join(append(all, fmt.Errorf("roles %v: %w", names, errStuck))...)
		}
	}
	return errors.Join(all...)
}

// background runs roles with runAll while its caller goes on; done is
// closed when runAll has returned, and err may be read after that.
type background struct {
	done chan struct{}
	err  error
}

func runInBackground(ctx context.Context, roles map[string]runner, grace time.Duration, log *slog.Logger) *background {
	b := &background{done: make(chan struct{})}
	go func() {
		b.err = runAll(ctx, roles, grace, log)
		close(b.done)
	}()
	return b
}
