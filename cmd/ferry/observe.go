package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/config"
	"github.com/ferrydata/ferry/internal/metrics"
)

// exportBacklog keeps the backlog gauges current: alerts on a growing
// backlog need them even when this process's roles are idle. Every route
// configured here, and every one seen once, stays exported (at 0 when
// empty), so a drained backlog reads 0 rather than vanishing.
func (s *system) exportBacklog(ctx context.Context, routes []string, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	type key struct{ stage, route string }
	seen := map[key]bool{}
	known := map[string]bool{}
	for _, r := range routes {
		known[r] = true
		for _, st := range []bus.Stage{bus.StageDispatch, bus.StageCopy, bus.StageVerify} {
			seen[key{string(st), r}] = true
		}
	}
	for {
		stats, err := s.bus.StageBacklog(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("couldn't read queue backlog", "err", err)
		}
		if err == nil {
			now := map[key]bus.BacklogStat{} // summed over hosts
			for _, st := range stats {
				k := key{string(st.Stage), st.Route}
				sum := now[k]
				sum.Pending, sum.Unacked = sum.Pending+st.Pending, sum.Unacked+st.Unacked
				now[k], seen[k] = sum, true
			}
			for k := range seen {
				s.metrics.Backlog.WithLabelValues(k.stage, k.route, "pending").Set(float64(now[k].Pending))
				s.metrics.Backlog.WithLabelValues(k.stage, k.route, "unacked").Set(float64(now[k].Unacked))
			}
		}
		oldest, err := s.bus.OldestWaiting(ctx, routes)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("couldn't read the oldest waiting files", "err", err)
		}
		if err == nil {
			for r := range known {
				age := 0.0
				if t, ok := oldest[r]; ok {
					age = max(time.Since(t).Seconds(), 0)
				}
				s.metrics.OldestWaiting.WithLabelValues(r).Set(age)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// errNotStarted: the roles are still being built (JetStream set up, routes opened).
var errNotStarted = errors.New("roles not started yet")

// readiness is what /readyz knows: the roles this process runs, once built.
type readiness struct {
	mu      sync.Mutex
	running []string
}

// readyz is /readyz: JetStream answers and the consumers of the roles this
// process runs are bound. Not ready until the roles are built.
func (s *system) readyz(ctx context.Context) error {
	s.ready.mu.Lock()
	running := s.ready.running
	s.ready.mu.Unlock()
	if running == nil {
		return errNotStarted
	}
	var stages []bus.Stage
	for _, name := range running {
		switch name {
		case "dispatcher":
			stages = append(stages, bus.StageDispatch)
		case "mover":
			stages = append(stages, bus.StageCopy)
		case "verifier":
			stages = append(stages, bus.StageVerify)
		}
	}
	return s.bus.Ready(ctx, stages, s.workerHosts())
}

// workerHosts are the hosts whose jobs this process's movers and verifiers
// take: its own, and "any" when a route is shared (see worker.OpenRoutes).
func (s *system) workerHosts() []string {
	hosts := []string{s.cfg.Host}
	for _, r := range s.cfg.Routes {
		if r.RouteHost(s.cfg.Host) == bus.HostAny {
			return append(hosts, bus.HostAny)
		}
	}
	return hosts
}

// started records the roles this process runs, for /readyz (if served).
func (s *system) started(names []string) {
	if s.ready == nil {
		return
	}
	s.ready.mu.Lock()
	s.ready.running = append([]string{}, names...)
	s.ready.mu.Unlock()
}

// forRole is the system as one role sees it: its log lines say which role
// wrote them. The copy shares everything else.
func (s *system) forRole(role string) *system {
	c := *s
	c.log = s.log.With("role", role)
	return &c
}

// startNatsNode starts `ferry nats`'s server and its metrics endpoint.
func startNatsNode(ctx context.Context, cfg *config.Config, log *slog.Logger) (*bus.Server, error) {
	srv, err := startServer(cfg)
	if err != nil {
		return nil, err
	}
	if err := serveServerMetrics(ctx, cfg, srv, log); err != nil {
		srv.Stop()
		return nil, err
	}
	return srv, nil
}

// serveServerMetrics is serveMetrics for `ferry nats`: the build and the
// process (a NATS node is scraped like every ferry, and FerryDown covers
// it), ready once the server takes connections with JetStream on.
func serveServerMetrics(ctx context.Context, cfg *config.Config, srv *bus.Server, log *slog.Logger) error {
	if cfg.Metrics.Listen == "" {
		return nil
	}
	m := metrics.New()
	addr, err := m.Serve(ctx, cfg.Metrics.Listen, func(context.Context) error {
		if !srv.ReadyForConnections(100*time.Millisecond) || !srv.JetStreamEnabled() {
			return errors.New("nats server not ready for connections with jetstream")
		}
		return nil
	})
	if err != nil {
		return err
	}
	log.Info("serving metrics", "addr", addr.String())
	return nil
}

// eventsKeep is events.keep as bus takes it: 0 there is the default, so
// "no events" (0 in the config) is negative.
func eventsKeep(cfg *config.Config) time.Duration {
	if cfg.Events.Keep == 0 {
		return -1
	}
	return time.Duration(cfg.Events.Keep)
}
