package bus

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ServerConfig describes an embedded JetStream server (ferry run, ferry nats).
type ServerConfig struct {
	Name     string // unique per cluster node
	StoreDir string // required: JetStream's files live here, never in a temp dir
	Listen   string // host:port for clients; "" serves only this process
	HTTP     string // host:port for /varz and /jsz; "" disables
	Cluster  ClusterConfig
	// SyncAlways fsyncs every write: the default fsync interval is 2 minutes,
	// and a single node has no replica to recover acknowledged writes from.
	SyncAlways bool
}

// ClusterConfig joins the server to a JetStream cluster; empty Listen means none.
type ClusterConfig struct {
	Name   string
	Listen string
	Routes []string
}

// Server is a running embedded nats-server.
type Server struct{ *server.Server }

// StartServer starts an embedded server and waits until it takes clients.
func StartServer(cfg ServerConfig) (*Server, error) {
	if cfg.StoreDir == "" {
		return nil, errors.New("couldn't start nats: store dir is required")
	}
	opts := &server.Options{
		ServerName: cfg.Name,
		JetStream:  true,
		StoreDir:   cfg.StoreDir,
		SyncAlways: cfg.SyncAlways,
		NoSigs:     true,
		NoLog:      true,
	}
	if cfg.Listen == "" {
		opts.DontListen = true
	} else if err := splitHostPort(cfg.Listen, &opts.Host, &opts.Port); err != nil {
		return nil, fmt.Errorf("couldn't parse nats listen address: %w", err)
	}
	if cfg.HTTP != "" {
		if err := splitHostPort(cfg.HTTP, &opts.HTTPHost, &opts.HTTPPort); err != nil {
			return nil, fmt.Errorf("couldn't parse nats http address: %w", err)
		}
	}
	if cfg.Cluster.Listen != "" {
		opts.Cluster.Name = cfg.Cluster.Name
		if err := splitHostPort(cfg.Cluster.Listen, &opts.Cluster.Host, &opts.Cluster.Port); err != nil {
			return nil, fmt.Errorf("couldn't parse cluster listen address: %w", err)
		}
		opts.Routes = server.RoutesFromStr(strings.Join(cfg.Cluster.Routes, ","))
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("couldn't create nats server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		return nil, errors.New("couldn't start nats server: not ready after 30s")
	}
	return &Server{s}, nil
}

// Stop shuts the server down and waits for it.
func (s *Server) Stop() {
	s.Shutdown()
	s.WaitForShutdown()
}

func splitHostPort(hostport string, host *string, port *int) error {
	h, p, err := net.SplitHostPort(hostport)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		return fmt.Errorf("port %q: %w", p, err)
	}
	*host, *port = h, n
	return nil
}
