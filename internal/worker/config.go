package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/ferrydata/ferry/internal/bus"
)

// Config is what a mover or a verifier needs: the same for both.
type Config struct {
	Host        string
	Routes      []Route
	Concurrency int
	Policy      Policy
	// Reopen, when it receives, has the routes opened again and swapped
	// in for new jobs (see LiveRoutes); nil never does.
	Reopen <-chan struct{}
}

// Validate checks the parts the loop relies on.
func (c Config) Validate() error {
	if c.Host == "" || len(c.Routes) == 0 || c.Concurrency < 1 || c.Policy.MaxAttempts < 1 {
		return errors.New("host, routes, concurrency and max attempts are required")
	}
	return nil
}

// Serve opens the routes, hands them to setup (which keeps them and returns
// the stage's handler), and runs the stage's loop until ctx is cancelled.
// Each receive on cfg.Reopen opens them again for the jobs that start next.
func Serve(ctx context.Context, stage bus.Stage, cfg Config, deps Deps, setup func(*LiveRoutes) Handler) error {
	routes, hosts, err := OpenRoutes(ctx, cfg.Host, cfg.Routes)
	if err != nil {
		return fmt.Errorf("%s: %w", stage, err)
	}
	live := Live(routes)
	if cfg.Reopen != nil {
		go live.reopen(ctx, string(stage), cfg, deps.Log)
	}
	loop := &Loop{Stage: stage, Hosts: hosts, Concurrency: cfg.Concurrency, Policy: cfg.Policy,
		Accept: live.Accept, Handle: setup(live), Deps: deps}
	return loop.Run(ctx)
}
