package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/ferrydata/ferry/internal/config"
)

func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:      "ferry",
		Usage:     "move closed files to long-term storage; delete a source only after a verified read-back",
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "config", Aliases: []string{"c"}, Value: "/etc/ferry/ferry.yaml", Usage: "config file", EnvVars: []string{"FERRY_CONFIG"}},
			&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error"},
			&cli.StringFlag{Name: "log-format", Value: "text", Usage: "text or json"},
		},
		Commands: []*cli.Command{
			runCommand(stdout, stderr),
			roleCommand("watcher", "watch sources and announce closed files"),
			roleCommand("dispatcher", "batch closed files into jobs"),
			roleCommand("mover", "copy jobs' files to their destination"),
			roleCommand("verifier", "read copies back, compare hashes, delete verified sources"),
			natsCommand(),
			checkConfigCommand(stdout),
			statusCommand(stdout),
			deadCommand(stdout),
		},
		HideHelpCommand: true,
		ExitErrHandler:  func(*cli.Context, error) {}, // run maps errors to exit codes
	}
}

// loadConfig reads the file named by --config.
func loadConfig(c *cli.Context) (*config.Config, error) {
	return config.Load(c.String("config"))
}

// newLogger builds the process logger from the global flags.
func newLogger(c *cli.Context) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.String("log-format")) {
	case "json":
		return slog.New(slog.NewJSONHandler(c.App.ErrWriter, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(c.App.ErrWriter, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", c.String("log-format"))
}
