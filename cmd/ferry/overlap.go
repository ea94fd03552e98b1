package main

import (
	"context"
	"slices"

	"github.com/ferrydata/ferry/internal/config"
	"github.com/ferrydata/ferry/internal/transfer"
)

// routeStorage is what the overlap checks need of cfg's routes.
func routeStorage(cfg *config.Config) []transfer.RouteStorage {
	out := make([]transfer.RouteStorage, len(cfg.Routes))
	for i, r := range cfg.Routes {
		out[i] = transfer.RouteStorage{Index: i, Name: r.Name, Source: r.Source, Destination: r.Destination}
	}
	return out
}

// refuseOverlap stops a start that would run a mover or a verifier over a
// destination that is a source: the verifier would hash the copy against
// itself and delete the only one; nor over a state dir inside a source,
// whose spill directory a mover or verifier empties at start. It runs
// before any role starts, so nothing is announced either. Watchers and dispatchers alone open no
// destination and may run where the rclone config is absent.
func (s *system) refuseOverlap(ctx context.Context, roles []string) error {
	if !slices.Contains(roles, "mover") && !slices.Contains(roles, "verifier") {
		return nil
	}
	if err := transfer.CheckStateDir(s.cfg.StateDir, s.cfg.ValidateSpillDir(), routeStorage(s.cfg)); err != nil {
		return err
	}
	return transfer.ProbeOverlap(ctx, routeStorage(s.cfg))
}
