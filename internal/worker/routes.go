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
	// Include and Exclude are the route's rules, checked again here: a job
	// naming a file the watcher would never announce (a live crawl.log, an
	// .open WARC) is forged, and its files are never opened.
	Include, Exclude []string
	Tuning           transfer.Tuning // transfers and bwlimit
	// Validate names the content validators the verifier runs on the bytes
	// it reads back (internal/validate). FlagInvalid moves a file they find
	// broken all the same, marked; false (the default) keeps its source.
	Validate    []string
	FlagInvalid bool
	// ValidateBeforeCopy: the mover runs Validate on the source before the
	// upload and, unless FlagInvalid, uploads no file they find broken.
	ValidateBeforeCopy bool
	// SpillDir is where validators write what they cannot hold in memory
	// (state_dir/validate); "" is os.TempDir.
	SpillDir string
}

// OpenRoute is a route with its source and destination opened.
type OpenRoute struct {
	Route
	Src   transfer.Source
	Dst   *transfer.Destination
	rules *transfer.Rules
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
		dst.SetBwLimit(r.Tuning.BwLimit)
		o := &OpenRoute{Route: r, Src: src, Dst: dst}
		if err := o.Compile(); err != nil {
			return nil, nil, err
		}
		open[r.Name] = o
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
	for _, f := range job.Files {
		if !r.rules.Match(f.Path) {
			return fmt.Errorf("job names %q, which route %s's rules exclude: %w", f.Path, r.Name, fault.ErrInvalid)
		}
	}
	return nil
}

// FilesParallel is how many files of one job a worker handles at once. Small
// files are bound by the ledger's durable writes, not bandwidth, and those
// overlap well; large files still share the link fairly.
const FilesParallel = 4

// FilesInFlight is how many files of one job the route's worker handles at
// once: the route's transfers, else FilesParallel.
func (r *OpenRoute) FilesInFlight() int {
	if r.Tuning.Transfers > 0 {
		return r.Tuning.Transfers
	}
	return FilesParallel
}

// Compile prepares the route's rules; OpenRoutes calls it.
func (r *OpenRoute) Compile() error {
	rules, err := transfer.NewRules(r.Include, r.Exclude)
	if err != nil {
		return fmt.Errorf("route %s: %w", r.Name, err)
	}
	r.rules = rules
	return nil
}
