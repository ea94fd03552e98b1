package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/ferrydata/ferry/internal/config"
	"github.com/ferrydata/ferry/internal/transfer"
)

func checkConfigCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "check-config",
		Usage: "validate the config and print it resolved, secrets redacted",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "probe",
			Usage: "also run the movers' start-up overlap probe (writes, then removes, a small object at destinations)"}},
		Action: func(c *cli.Context) error {
			cfg, err := loadConfig(c)
			if err != nil {
				return err
			}
			log, err := newLogger(c)
			if err != nil {
				return err
			}
			for i, r := range cfg.Routes {
				if _, err := transfer.ParseBwLimit(r.BwLimit); err != nil {
					return fmt.Errorf("routes[%d].bwlimit: %w", i, err)
				}
				for _, list := range []struct {
					key      string
					patterns []string
				}{{"include", r.Include}, {"exclude", r.Exclude}} {
					for j, p := range list.patterns {
						if _, err := transfer.CompileGlob(p); err != nil {
							return fmt.Errorf("routes[%d].%s[%d]: %w", i, list.key, j, err)
						}
					}
				}
			}
			if err := checkStorage(c.Context, cfg, log, c.Bool("probe")); err != nil {
				return err
			}
			out, err := cfg.Redacted().YAML()
			if err != nil {
				return err
			}
			_, err = stdout.Write(out)
			return err
		},
	}
}

// checkStorage reads the rclone config as every daemon would, names each
// remote a route uses that no config source defines, and refuses routes
// whose destination is a source, as every mover and verifier does at
// start; without probe it writes nothing anywhere. The rclone cache goes to
// a temp dir: checking must not need the state dir.
func checkStorage(ctx context.Context, cfg *config.Config, log *slog.Logger, probe bool) error {
	tmp, err := os.MkdirTemp("", "ferry-check-config-")
	if err != nil {
		return fmt.Errorf("couldn't create a temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	rc := *cfg
	rc.StateDir = tmp
	if _, err := initRclone(ctx, &rc, log); err != nil {
		return err
	}
	if err := undefinedRemotes(cfg); err != nil {
		return err
	}
	routes := routeStorage(cfg)
	if err := transfer.CheckStateDir(cfg.StateDir, cfg.ValidateSpillDir(), routes); err != nil {
		return err
	}
	if probe {
		return transfer.ProbeOverlap(ctx, routes)
	}
	return transfer.CheckOverlap(routes)
}

// undefinedRemotes names every remote of every route that no config source
// defines, all at once.
func undefinedRemotes(cfg *config.Config) error {
	var errs []error
	for i, r := range cfg.Routes {
		for _, side := range []struct{ key, spec string }{{"source", r.Source}, {"destination", r.Destination}} {
			for _, msg := range transfer.UndefinedRemotes(side.spec) {
				errs = append(errs, fmt.Errorf("routes[%d].%s: %s", i, side.key, msg))
			}
		}
	}
	return errors.Join(errs...)
}
