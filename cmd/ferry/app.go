package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/ferrydata/ferry/internal/config"
	"github.com/ferrydata/ferry/internal/metrics"
	"github.com/ferrydata/ferry/internal/transfer"
)

// defaultConfig is where packages and the Ansible role put the config.
const defaultConfig = "/etc/ferry/ferry.yaml"

func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:      "ferry",
		Usage:     "move closed files to long-term storage; delete a source only after a verified read-back",
		Version:   metrics.Build().String(),
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []cli.Flag{
			configFlag(),
			&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error"},
			&cli.StringFlag{Name: "log-format", Value: "text", Usage: "text or json"},
		},
		Commands: []*cli.Command{
			runCommand(stdout),
			roleCommand("watcher", "watch sources and announce closed files"),
			roleCommand("dispatcher", "batch closed files into jobs"),
			roleCommand("mover", "copy jobs' files to their destination"),
			roleCommand("verifier", "read copies back, compare hashes, delete verified sources"),
			natsCommand(),
			checkConfigCommand(stdout),
			preflightCommand(stdout),
			statusCommand(stdout),
			deadCommand(stdout),
		},
		HideHelpCommand: true,
		ExitErrHandler:  func(*cli.Context, error) {}, // run maps errors to exit codes
	}
	addConfigFlag(app.Commands)
	return app
}

func configFlag() cli.Flag {
	return &cli.StringFlag{Name: "config", Aliases: []string{"c"}, Usage: "config file (default " + defaultConfig + ")",
		EnvVars: []string{"FERRY_CONFIG"}}
}

// addConfigFlag lets --config follow any command too (`ferry run --config
// FILE`), as operators type it, as well as precede it.
func addConfigFlag(cmds []*cli.Command) {
	for _, cmd := range cmds {
		cmd.Flags = append(cmd.Flags, configFlag())
		addConfigFlag(cmd.Subcommands)
	}
}

// configPath is the innermost --config given, else the default.
func configPath(c *cli.Context) string {
	for _, ctx := range c.Lineage() {
		if ctx.IsSet("config") {
			return ctx.String("config")
		}
	}
	return defaultConfig
}

// loadConfig reads the file named by --config.
func loadConfig(c *cli.Context) (*config.Config, error) {
	return config.Load(configPath(c))
}

// newLogger builds the process logger from the global flags.
func newLogger(c *cli.Context) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	var log *slog.Logger
	switch strings.ToLower(c.String("log-format")) {
	case "json":
		log = slog.New(slog.NewJSONHandler(c.App.ErrWriter, opts))
	case "text":
		log = slog.New(slog.NewTextHandler(c.App.ErrWriter, opts))
	default:
		return nil, fmt.Errorf("--log-format %q: want text or json", c.String("log-format"))
	}
	transfer.SetLogger(log) // rclone's own lines too, in the same format
	return log, nil
}

// configured wraps an action that needs the config and a logger.
func configured(fn func(c *cli.Context, cfg *config.Config, log *slog.Logger) error) cli.ActionFunc {
	return configuredBy(config.Load, fn)
}

// configuredBy is configured with the config read by load.
func configuredBy(load func(path string) (*config.Config, error), fn func(c *cli.Context, cfg *config.Config, log *slog.Logger) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		cfg, err := load(configPath(c))
		if err != nil {
			return err
		}
		log, err := newLogger(c)
		if err != nil {
			return err
		}
		return bounded(c.Context, time.Duration(cfg.ShutdownGrace), log, func() error { return fn(c, cfg, log) })
	}
}

// daemon wraps an action that runs roles: rclone, JetStream and metrics first.
func daemon(fn func(c *cli.Context, sys *system) error) cli.ActionFunc {
	return configured(func(c *cli.Context, cfg *config.Config, log *slog.Logger) error {
		hup := catchHUP() // before the slow start: a reload then must not kill the daemon
		defer signal.Stop(hup)
		current, err := initRclone(c.Context, cfg, log)
		if err != nil {
			return err
		}
		sys, err := startSystem(c.Context, cfg, log)
		if err != nil && stoppedWhileStarting(c) {
			// SIGTERM before the start was done (JetStream still being set
			// up): a clean stop, not a failed unit. run --once must say it
			// did nothing, so it keeps its error.
			log.Info("stopped before it had started", "err", err)
			return nil
		}
		if err != nil {
			return err
		}
		defer sys.close()
		sys.rotation = startRotation(c.Context, cfg, log, current, hup)
		if err := sys.serveMetrics(c.Context); err != nil {
			return err
		}
		return fn(c, sys)
	})
}

// client wraps a short command that reads or changes a running system.
func client(fn func(c *cli.Context, sys *system) error) cli.ActionFunc {
	return configured(func(c *cli.Context, cfg *config.Config, log *slog.Logger) error {
		sys, err := openClient(c.Context, cfg, log)
		if err != nil {
			return err
		}
		defer sys.close()
		return fn(c, sys)
	})
}

// stoppedWhileStarting: a signal, not --timeout, ended a daemon's start.
func stoppedWhileStarting(c *cli.Context) bool {
	return errors.Is(c.Context.Err(), context.Canceled) && !c.Bool("once")
}
