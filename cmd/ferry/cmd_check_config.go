package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/ferrydata/ferry/internal/transfer"
)

func checkConfigCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "check-config",
		Usage: "validate the config and print it resolved, secrets redacted",
		Action: func(c *cli.Context) error {
			cfg, err := loadConfig(c)
			if err != nil {
				return err
			}
			for i, r := range cfg.Routes {
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
			out, err := cfg.Redacted().YAML()
			if err != nil {
				return err
			}
			_, err = stdout.Write(out)
			return err
		},
	}
}
