package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/ferrydata/ferry/dispatcher"
	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/config"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/metrics"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/validate"
	"github.com/ferrydata/ferry/internal/worker"
	"github.com/ferrydata/ferry/mover"
	"github.com/ferrydata/ferry/verifier"
	"github.com/ferrydata/ferry/watcher"
)

// system is what every role of one process shares.
type system struct {
	cfg     *config.Config
	log     *slog.Logger
	ready   *readiness  // what /readyz checks; set by serveMetrics
	server  *bus.Server // embedded, or nil
	lock    *os.File    // held while the embedded server owns the state dir
	bus     *bus.Bus
	ledger  *ledger.Ledger
	metrics *metrics.Metrics
	// rotation re-reads rclone.secrets in daemons; nil in short commands.
	rotation *rotation
}

// startSystem connects to JetStream, starting the embedded server when no
// url is configured.
func startSystem(ctx context.Context, cfg *config.Config, log *slog.Logger) (*system, error) {
	s := &system{cfg: cfg, log: log, metrics: metrics.New()}
	if cfg.NATS.URL == "" {
		lock, err := lockStateDir(cfg.StateDir)
		if err != nil {
			return nil, err
		}
		s.lock = lock
		srv, err := startServer(cfg)
		if err != nil {
			s.close()
			return nil, err
		}
		s.server = srv
	}
	return s, s.connect(ctx, connConfig(cfg, s.server))
}

// openClient connects a short-lived command (status, dead) to the running
// system: nats.url, else the embedded server's listener if a daemon holds
// the state dir, else the store itself through a private embedded server.
func openClient(ctx context.Context, cfg *config.Config, log *slog.Logger) (*system, error) {
	s, err := startSystem(ctx, cfg, log)
	if !errors.Is(err, errLocked) {
		return s, err
	}
	listen := cfg.NATS.Server.Listen
	if listen == "" {
		return nil, fmt.Errorf("%w; set nats.server.listen so commands can reach its embedded server", err)
	}
	host, port, _ := net.SplitHostPort(listen)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	cc := connConfig(cfg, nil)
	cc.URLs = []string{"nats://" + net.JoinHostPort(host, port)}
	s = &system{cfg: cfg, log: log, metrics: metrics.New()}
	return s, s.connect(ctx, cc)
}

func (s *system) connect(ctx context.Context, cc bus.ConnConfig) error {
	b, err := bus.Connect(ctx, cc, s.log)
	if err != nil {
		s.close()
		return err
	}
	s.bus, s.ledger = b, ledger.New(b.Ledger()).WithKeep(time.Duration(s.cfg.Ledger.Keep))
	return nil
}

// serveMetrics exposes /metrics, /healthz and /readyz when metrics.listen is set.
func (s *system) serveMetrics(ctx context.Context) error {
	if s.cfg.Metrics.Listen == "" {
		return nil
	}
	s.ready = &readiness{}
	addr, err := s.metrics.Serve(ctx, s.cfg.Metrics.Listen, s.readyz)
	if err != nil {
		return err
	}
	s.metrics.Registry.MustRegister(transfer.RcloneCollector(ctx))
	var routes []string
	var sources []metrics.Source
	for _, r := range s.cfg.Routes {
		s.metrics.InitRoute(r.Name)
		routes = append(routes, r.Name)
		if !r.RemoteSource() && r.RouteHost(s.cfg.Host) == s.cfg.Host {
			sources = append(sources, metrics.Source{Route: r.Name, Path: strings.TrimPrefix(r.Source, ":local:")})
		}
	}
	s.metrics.WatchSources(sources)
	s.log.Info("serving metrics", "addr", addr.String())
	go s.exportBacklog(ctx, routes, 5*time.Second)
	return nil
}
func (s *system) close() {
	if s.bus != nil {
		s.bus.Close()
	}
	if s.server != nil {
		s.server.Stop()
	}
	if s.lock != nil {
		s.lock.Close()
	}
}

func startServer(cfg *config.Config) (*bus.Server, error) {
	sc := cfg.NATS.Server
	return bus.StartServer(bus.ServerConfig{
		Name: sc.Name, StoreDir: cfg.JetStreamDir(), Listen: sc.Listen, HTTP: sc.HTTP,
		Cluster:    bus.ClusterConfig{Name: sc.Cluster.Name, Listen: sc.Cluster.Listen, Routes: sc.Cluster.Routes},
		SyncAlways: true,
	})
}

func connConfig(cfg *config.Config, srv *bus.Server) bus.ConnConfig {
	n := cfg.NATS
	return bus.ConnConfig{
		URLs: cfg.NATSURLs(), Server: srv, Name: "ferry@" + cfg.Host,
		Creds: n.Creds, User: n.User, Password: n.Password, NKeySeed: n.NKey,
		TLS: bus.TLSConfig{CA: n.TLS.CA, Cert: n.TLS.Cert, Key: n.TLS.Key}, Replicas: n.Replicas,
		EventsKeep: eventsKeep(cfg), LedgerKeep: time.Duration(cfg.Ledger.Keep),
	}
}

// grace is the shutdown grace of this process's commands.
func (s *system) grace() time.Duration { return time.Duration(s.cfg.ShutdownGrace) }

func (s *system) workerDeps() worker.Deps {
	return worker.Deps{Bus: s.bus, Ledger: s.ledger, Log: s.log, Metrics: s.metrics}
}

func (s *system) policy() worker.Policy {
	r := s.cfg.Retry
	p := worker.Policy{MaxAttempts: r.MaxAttempts, AckWait: time.Duration(r.AckWait),
		StallAfter: max(time.Duration(r.AckWait), 30*time.Second), Grace: jobGrace(s.grace())}
	for _, b := range r.Backoff {
		p.Backoff = append(p.Backoff, time.Duration(b))
	}
	return p
}

// workerRoutes are the routes whose files this host's mover and verifier may open.
func (s *system) workerRoutes() ([]worker.Route, error) {
	// Made now: a spill file that cannot be created is a finding, and
	// would fail valid files.
	spill := s.cfg.ValidateSpillDir()
	if err := os.MkdirAll(spill, 0o700); err != nil {
		return nil, fmt.Errorf("couldn't make the validators' spill directory: %w", err)
	}
	// Whatever is in it now was left by a process killed mid-validation.
	if n, err := validate.CleanSpillDir(spill); err != nil {
		s.log.Warn("couldn't clean the validators' spill directory", "dir", spill, "err", err)
	} else if n > 0 {
		s.log.Info("removed validators' spill files left by an earlier run", "dir", spill, "files", n)
	}
	var out []worker.Route
	for _, r := range s.cfg.Routes {
		hash, err := transfer.ParseHashType(r.Hash)
		if err != nil {
			return nil, fmt.Errorf("route %s: %w", r.Name, err)
		}
		bw, err := transfer.ParseBwLimit(r.BwLimit)
		if err != nil {
			return nil, fmt.Errorf("route %s: %w", r.Name, err)
		}
		out = append(out, worker.Route{Name: r.Name, Source: r.Source, Destination: r.Destination,
			Hash: hash, Host: r.RouteHost(s.cfg.Host), DeleteSource: r.DeletesSource(),
			Include: r.Include, Exclude: r.Exclude, Tuning: transfer.Tuning{Transfers: r.Transfers, BwLimit: bw,
				UploadWindow: int64(r.UploadWindow)},
			Validate: r.Validate, FlagInvalid: r.OnInvalid == config.OnInvalidFlag,
			ValidateBeforeCopy: r.ValidateBeforeCopy, SpillDir: spill})
	}
	return out, nil
}

func (s *system) newWatcher() (*watcher.Watcher, error) {
	cfg := watcher.Config{RescanInterval: time.Duration(s.cfg.RescanInterval), StaleAfter: time.Duration(s.cfg.StaleAfter),
		MaxQueued: s.cfg.MaxQueued}
	for _, r := range s.cfg.Routes {
		cfg.Routes = append(cfg.Routes, watcher.Route{Name: r.Name, Source: r.Source, Host: r.RouteHost(s.cfg.Host),
			Include: r.Include, Exclude: r.Exclude, MinAge: time.Duration(r.MinAge), DeletesSource: r.DeletesSource()})
	}
	return watcher.New(cfg, watcher.Deps{Bus: s.bus, Ledger: s.ledger, Log: s.log, Metrics: s.metrics})
}

func (s *system) newDispatcher(maxWait time.Duration) (*dispatcher.Dispatcher, error) {
	cfg := dispatcher.Config{Routes: map[string]dispatcher.Limits{}, AckWait: time.Duration(s.cfg.Retry.AckWait)}
	for _, r := range s.cfg.Routes {
		lim := dispatcher.Limits{Files: r.Batch.Files, Bytes: int64(r.Batch.Bytes), MaxWait: time.Duration(r.Batch.MaxWait)}
		if maxWait > 0 {
			lim.MaxWait = min(lim.MaxWait, maxWait)
		}
		cfg.Routes[r.Name] = lim
	}
	return dispatcher.New(cfg, dispatcher.Deps{Bus: s.bus, Ledger: s.ledger, Log: s.log, Metrics: s.metrics})
}

func (s *system) newMover(routes []worker.Route) (*mover.Mover, error) {
	return mover.New(mover.Config{Host: s.cfg.Host, Routes: routes, Concurrency: s.cfg.Mover.Concurrency,
		Policy: s.policy(), Reopen: s.rotation.subscribe(true)}, s.workerDeps())
}

func (s *system) newVerifier(routes []worker.Route) (*verifier.Verifier, error) {
	return verifier.New(verifier.Config{Host: s.cfg.Host, Routes: routes, Concurrency: s.cfg.Verifier.Concurrency,
		Policy: s.policy(), Reopen: s.rotation.subscribe(true)}, s.workerDeps())
}
