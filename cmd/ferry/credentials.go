package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/ferrydata/ferry/internal/config"
	"github.com/ferrydata/ferry/internal/secrets"
	"github.com/ferrydata/ferry/internal/transfer"
)

// initRclone hands rclone its remotes: those of rclone.secrets (read now,
// held in memory only), then the config file's, then RCLONE_CONFIG_*
// variables. A configured secret that cannot be read fails the start.
func initRclone(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	for _, d := range cfg.Deprecations() {
		log.Warn(d)
	}
	set, err := readSecrets(ctx, cfg)
	if err != nil {
		return err
	}
	return transfer.Init(ctx, transfer.Options{ConfigPath: cfg.Rclone.Config, Secrets: set,
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

// rotation reads rclone.secrets again every rclone.refresh and on SIGHUP,
// and tells every subscribed role to reopen its routes when a remote
// changed. A read that fails keeps the remotes in use: the old keys may
// still work, and the error is logged at each attempt.
type rotation struct {
	cfg *config.Config
	log *slog.Logger

	mu   sync.Mutex
	subs []chan struct{}
}

// startRotation runs the rotation until ctx ends. SIGHUP is caught even
// without secrets, so a reload request never kills the daemon.
func startRotation(ctx context.Context, cfg *config.Config, log *slog.Logger) *rotation {
	r := &rotation{cfg: cfg, log: log}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		var tick <-chan time.Time
		if len(cfg.Rclone.Secrets) > 0 {
			t := time.NewTicker(time.Duration(cfg.Rclone.Refresh))
			defer t.Stop()
			tick = t.C
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick:
				r.refresh(ctx, "refresh")
			case <-hup:
				r.refresh(ctx, "SIGHUP")
			}
		}
	}()
	return r
}

// subscribe returns a channel that receives after each rotation; nil (never)
// on a nil rotation.
func (r *rotation) subscribe() <-chan struct{} {
	if r == nil {
		return nil
	}
	ch := make(chan struct{}, 1)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.subs = append(r.subs, ch)
	return ch
}

func (r *rotation) refresh(ctx context.Context, why string) {
	if len(r.cfg.Rclone.Secrets) == 0 {
		r.log.Info("nothing to reload: no rclone.secrets configured", "trigger", why)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	set, err := readSecrets(ctx, r.cfg)
	if err != nil {
		r.log.Error("couldn't read rclone.secrets again: the remotes in use stay", "trigger", why, "err", err)
		return
	}
	changed, err := transfer.SetSecrets(set)
	if err != nil {
		r.log.Error("couldn't use the secrets read again: the remotes in use stay", "trigger", why, "err", err)
		return
	}
	if len(changed) == 0 {
		r.log.Info("rclone.secrets read again: no remote changed", "trigger", why)
		return
	}
	r.log.Info("rclone remotes rotated: new jobs use them", "trigger", why, "remotes", changed)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ch := range r.subs {
		select {
		case ch <- struct{}{}:
		default: // a reopen is already pending
		}
	}
}
