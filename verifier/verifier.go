package verifier

import (
	"context"
	"errors"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/worker"
)

// Config is the verifier's part of the configuration.
type Config struct {
	Host        string
	Routes      []worker.Route
	Concurrency int
	Policy      worker.Policy
}

// Validate checks the parts the verifier relies on.
func (c Config) Validate() error {
	if c.Host == "" || len(c.Routes) == 0 || c.Concurrency < 1 || c.Policy.MaxAttempts < 1 {
		return errors.New("verifier: host, routes, concurrency and max attempts are required")
	}
	return nil
}

// Verifier proves copies and deletes their sources.
type Verifier struct {
	cfg    Config
	deps   worker.Deps
	routes worker.Routes
}

// New checks the config; sources and destinations are opened by Run.
func New(cfg Config, deps worker.Deps) (*Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Verifier{cfg: cfg, deps: deps}, nil
}

// Run verifies jobs until ctx is cancelled. It runs beside the mover, so one
// batch downloads while the next uploads and a full-duplex link works both ways.
func (v *Verifier) Run(ctx context.Context) error {
	routes, hosts, err := worker.OpenRoutes(ctx, v.cfg.Host, v.cfg.Routes)
	if err != nil {
		return err
	}
	v.routes = routes
	loop := &worker.Loop{Stage: bus.StageVerify, Hosts: hosts, Concurrency: v.cfg.Concurrency,
		Policy: v.cfg.Policy, Accept: routes.Accept, Handle: v.verifyJob, Deps: v.deps}
	return loop.Run(ctx)
}
