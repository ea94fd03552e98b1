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
func Serve(ctx context.Context, stage bus.Stage, cfg Config, deps Deps, setup func(Routes) Handler) error {
	routes, hosts, err := OpenRoutes(ctx, cfg.Host, cfg.Routes)
	if err != nil {
		return fmt.Errorf("%s: %w", stage, err)
	}
	loop := &Loop{Stage: stage, Hosts: hosts, Concurrency: cfg.Concurrency, Policy: cfg.Policy,
		Accept: routes.Accept, Handle: setup(routes), Deps: deps}
	return loop.Run(ctx)
}
