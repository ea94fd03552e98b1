package mover

import (
	"context"
	"errors"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/worker"
)

// Config is the mover's part of the configuration.
type Config struct {
	Host        string
	Routes      []worker.Route
	Concurrency int
	Policy      worker.Policy
}

// Validate checks the parts the mover relies on.
func (c Config) Validate() error {
	if c.Host == "" || len(c.Routes) == 0 || c.Concurrency < 1 || c.Policy.MaxAttempts < 1 {
		return errors.New("mover: host, routes, concurrency and max attempts are required")
	}
	return nil
}

// Mover copies jobs' files.
type Mover struct {
	cfg    Config
	deps   worker.Deps
	routes worker.Routes
}

// New checks the config; sources and destinations are opened by Run.
func New(cfg Config, deps worker.Deps) (*Mover, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Mover{cfg: cfg, deps: deps}, nil
}

// Run copies jobs until ctx is cancelled.
func (m *Mover) Run(ctx context.Context) error {
	routes, hosts, err := worker.OpenRoutes(ctx, m.cfg.Host, m.cfg.Routes)
	if err != nil {
		return err
	}
	m.routes = routes
	loop := &worker.Loop{Stage: bus.StageCopy, Hosts: hosts, Concurrency: m.cfg.Concurrency,
		Policy: m.cfg.Policy, Accept: routes.Accept, Handle: m.copyJob, Deps: m.deps}
	return loop.Run(ctx)
}
