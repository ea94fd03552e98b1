package mover

import (
	"context"
	"fmt"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/worker"
)

// Config is the mover's part of the configuration.
type Config = worker.Config

// Mover copies jobs' files.
type Mover struct {
	cfg    Config
	deps   worker.Deps
	routes *worker.LiveRoutes
	// windows bound each route's bytes in upload; nil for a route without.
	windows map[string]*uploadWindow
}

// New checks the config; sources and destinations are opened by Run.
func New(cfg Config, deps worker.Deps) (*Mover, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("mover: %w", err)
	}
	return &Mover{cfg: cfg, deps: deps}, nil
}

// Run copies jobs until ctx is cancelled.
func (m *Mover) Run(ctx context.Context) error {
	return worker.Serve(ctx, bus.StageCopy, m.cfg, m.deps, func(routes *worker.LiveRoutes) worker.Handler {
		m.routes = routes
		m.windows = map[string]*uploadWindow{}
		for name, r := range routes.Load() {
			m.windows[name] = newUploadWindow(r.Tuning.UploadWindow)
		}
		return m.copyJob
	})
}
