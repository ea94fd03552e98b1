package verifier

import (
	"context"
	"fmt"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/worker"
)

// Config is the verifier's part of the configuration.
type Config = worker.Config

// Verifier proves copies and deletes their sources.
type Verifier struct {
	cfg    Config
	deps   worker.Deps
	routes *worker.LiveRoutes
}

// New checks the config; sources and destinations are opened by Run.
func New(cfg Config, deps worker.Deps) (*Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("verifier: %w", err)
	}
	return &Verifier{cfg: cfg, deps: deps}, nil
}

// Run verifies jobs until ctx is cancelled. It runs beside the mover, so one
// batch downloads while the next uploads and a full-duplex link works both ways.
func (v *Verifier) Run(ctx context.Context) error {
	return worker.Serve(ctx, bus.StageVerify, v.cfg, v.deps, func(routes *worker.LiveRoutes) worker.Handler {
		v.routes = routes
		return v.verifyJob
	})
}
