package worker

import (
	"context"
	"fmt"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
)

// Route is one route as the mover and the verifier see it.
type Route struct {
	Name         string
	Source       string // local directory or rclone remote
	Destination  string // rclone remote:path
	Hash         transfer.HashType
	Host         string // whose jobs: the config host, or bus.HostAny
	DeleteSource bool
}

// OpenRoute is a route with its source and destination opened.
type OpenRoute struct {
	Route
	Src transfer.Source
	Dst *transfer.Destination
}

// Routes are the routes a worker serves, by name.
type Routes map[string]*OpenRoute

// OpenRoutes opens every route and returns the hosts whose jobs the worker
// takes: its own, plus bus.HostAny when a route is shared.
func OpenRoutes(ctx context.Context, host string, routes []Route) (Routes, []string, error) {
	open := Routes{}
	hosts := []string{host}
	for _, r := range routes {
		src, err := transfer.OpenSource(ctx, r.Source)
		if err != nil {
			return nil, nil, fmt.Errorf("couldn't open source of route %s: %w", r.Name, err)
		}
		dst, err := transfer.OpenDestination(ctx, r.Destination, r.Hash)
		if err != nil {
			return nil, nil, fmt.Errorf("couldn't open destination of route %s: %w", r.Name, err)
		}
		open[r.Name] = &OpenRoute{Route: r, Src: src, Dst: dst}
		if r.Host == bus.HostAny && len(hosts) == 1 {
			hosts = append(hosts, bus.HostAny)
		}
	}
	return open, hosts, nil
}

// Accept refuses a job for a route this worker does not serve, or for a host
// the route does not belong to: its files are not ours to open.
func (rs Routes) Accept(job bus.Job) error {
	r, ok := rs[job.Route]
	if !ok {
		return fmt.Errorf("unknown route %q: %w", job.Route, fault.ErrInvalid)
	}
	if job.Host != r.Host {
		return fmt.Errorf("job for host %q on route %s of host %q: %w", job.Host, r.Name, r.Host, fault.ErrInvalid)
	}
	return nil
}
