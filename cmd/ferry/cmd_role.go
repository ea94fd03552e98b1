package main

import (
	"log/slog"

	"github.com/urfave/cli/v2"

	"github.com/ferrydata/ferry/internal/config"
)

// roleCommand runs one role alone against nats.url (or, with no url, an
// embedded server: handy for trying a role on one machine).
func roleCommand(name, usage string) *cli.Command {
	return &cli.Command{
		Name:  name,
		Usage: usage,
		Action: daemon(func(c *cli.Context, sys *system) error {
			roles, err := sys.roles(c.Context, []string{name}, 0)
			if err != nil {
				return err
			}
			sys.log.Info("ferry role running", "role", name, "host", sys.cfg.Host)
			defer sys.serving(c.Context, roles)()
			return runAll(c.Context, roles, roleGrace(sys.grace()), sys.log)
		}),
	}
}

// natsCommand serves the embedded JetStream server alone, for sites without
// a NATS deployment: single node, or one node of a cluster.
func natsCommand() *cli.Command {
	return &cli.Command{
		Name:  "nats",
		Usage: "serve JetStream (nats.server settings) for other ferry daemons",
		// A dedicated NATS node moves no file: its config may have no route.
		Action: configuredBy(config.LoadServer, func(c *cli.Context, cfg *config.Config, log *slog.Logger) error {
			lock, err := lockStateDir(cfg.StateDir)
			if err != nil {
				return err
			}
			defer lock.Close()
			srv, err := startNatsNode(c.Context, cfg, log)
			if err != nil {
				return err
			}
			log.Info("nats serving", "name", cfg.NATS.Server.Name, "listen", cfg.NATS.Server.Listen,
				"cluster", cfg.NATS.Server.Cluster.Listen)
			defer serverServing(c.Context, srv, log)()
			<-c.Context.Done()
			srv.Stop()
			return nil
		}),
	}
}
