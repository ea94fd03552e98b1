package main

import (
	"context"
	"log/slog"

	"github.com/ferrydata/ferry/internal/config"
	"github.com/ferrydata/ferry/internal/secrets"
	"github.com/ferrydata/ferry/internal/transfer"
)

// initRclone hands rclone its remotes: those of rclone.secrets (read now,
// held in memory only), then the config file's, then RCLONE_CONFIG_*
// variables. A configured secret that cannot be read fails the start. It
// returns the secrets' remotes, nil without secrets.
func initRclone(ctx context.Context, cfg *config.Config, log *slog.Logger) (*secrets.Set, error) {
	for _, d := range cfg.Deprecations() {
		log.Warn(d)
	}
	set, err := readSecrets(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return set, transfer.Init(ctx, transfer.Options{ConfigPath: cfg.Rclone.Config, Secrets: set,
		CacheDir: cfg.RcloneCacheDir(), Log: log})
}

// readSecrets reads and merges rclone.secrets; nil when none is configured.
func readSecrets(ctx context.Context, cfg *config.Config) (*secrets.Set, error) {
	r := cfg.Rclone
	if len(r.Secrets) == 0 {
		return nil, nil
	}
	c, err := secrets.NewClient(ctx, secrets.Options{Region: r.Region, Endpoint: r.Endpoint})
	if err != nil {
		return nil, err
	}
	return c.Load(ctx, r.Secrets)
}
