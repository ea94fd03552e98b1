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

// rotation reads rclone.secrets again every rclone.refresh and on SIGHUP,
// and tells every subscribed role to reopen its routes when a remote
// changed. A read that fails keeps the remotes in use: the old keys may
// still work, and the error is logged at each attempt. So does a rotation
// that would make a destination a source, for a process with a mover or a
// verifier: the overlap checks of their start run again first.
type rotation struct {
	cfg *config.Config
	log *slog.Logger

	mu      sync.Mutex
	subs    []chan struct{}
	current *secrets.Set // in rclone's config now
	overlap bool         // a mover or verifier subscribed
}

// catchHUP catches SIGHUP from now on, for startRotation: one that comes
// while the daemon starts waits in the channel and is a reload once the
// rotation runs, instead of SIGHUP's default, which kills the process.
func catchHUP() chan os.Signal {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	return hup
}

// startRotation runs the rotation on hup (from catchHUP) until ctx ends.
// SIGHUP is caught even without secrets, so a reload request never kills
// the daemon.
func startRotation(ctx context.Context, cfg *config.Config, log *slog.Logger, current *secrets.Set, hup chan os.Signal) *rotation {
	r := &rotation{cfg: cfg, log: log, current: current}
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
// on a nil rotation. A worker (mover, verifier) has rotations checked for
// overlap first.
func (r *rotation) subscribe(worker bool) <-chan struct{} {
	if r == nil {
		return nil
	}
	ch := make(chan struct{}, 1)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.subs = append(r.subs, ch)
	r.overlap = r.overlap || worker
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
	r.mu.Lock()
	defer r.mu.Unlock()
	changed, err := transfer.SetSecrets(set)
	if err != nil {
		r.log.Error("couldn't use the secrets read again: the remotes in use stay", "trigger", why, "err", err)
		return
	}
	if len(changed) == 0 {
		r.log.Info("rclone.secrets read again: no remote changed", "trigger", why)
		return
	}
	if r.overlap {
		if err := transfer.ProbeOverlap(ctx, routeStorage(r.cfg)); err != nil {
			r.log.Error("refusing rotated rclone.secrets: the remotes in use stay", "trigger", why, "remotes", changed, "err", err)
			if _, err := transfer.SetSecrets(r.current); err != nil {
				r.log.Error("couldn't restore the remotes in use", "err", err)
			}
			return
		}
	}
	r.current = set
	r.log.Info("rclone remotes rotated: new jobs use them", "trigger", why, "remotes", changed)
	for _, ch := range r.subs {
		select {
		case ch <- struct{}{}:
		default: // a reopen is already pending
		}
	}
}

// following runs run with reopen called after each rotation, for a role
// that opens storage lazily (the watcher's remote sources).
func (r *rotation) following(reopen func(), run runner) runner {
	ch := r.subscribe(false)
	return func(ctx context.Context) error {
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case <-ch:
					reopen()
					r.log.Info("remote sources are opened again on their next scan")
				}
			}
		}()
		return run(ctx)
	}
}
