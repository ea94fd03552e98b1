package main

import (
	"github.com/urfave/cli/v2"
)

// roleCommand runs one role alone against nats.url (or, with no url, an
// embedded server: handy for trying a role on one machine).
func roleCommand(name, usage string) *cli.Command {
	return &cli.Command{
		Name:  name,
		Usage: usage,
		Action: func(c *cli.Context) error {
			cfg, err := loadConfig(c)
			if err != nil {
				return err
			}
			log, err := newLogger(c)
			if err != nil {
				return err
			}
			log = log.With("role", name)
			if err := initRclone(c.Context, cfg); err != nil {
				return err
			}
			sys, err := startSystem(c.Context, cfg, log)
			if err != nil {
				return err
			}
			defer sys.close()
			if err := sys.serveMetrics(c.Context); err != nil {
				return err
			}
			roles, err := sys.roles([]string{name}, 0)
			if err != nil {
				return err
			}
			log.Info("ferry role running", "host", cfg.Host)
			return runAll(c.Context, roles)
		},
	}
}

// natsCommand serves the embedded JetStream server alone, for sites without
// a NATS deployment: single node, or one node of a cluster.
func natsCommand() *cli.Command {
	return &cli.Command{
		Name:  "nats",
		Usage: "serve JetStream (nats.server settings) for other ferry daemons",
		Action: func(c *cli.Context) error {
			cfg, err := loadConfig(c)
			if err != nil {
				return err
			}
			log, err := newLogger(c)
			if err != nil {
				return err
			}
			lock, err := lockStateDir(cfg.StateDir)
			if err != nil {
				return err
			}
			defer lock.Close()
			srv, err := startServer(cfg)
			if err != nil {
				return err
			}
			log.Info("nats serving", "name", cfg.NATS.Server.Name, "listen", cfg.NATS.Server.Listen,
				"cluster", cfg.NATS.Server.Cluster.Listen)
			<-c.Context.Done()
			srv.Stop()
			return nil
		},
	}
}
