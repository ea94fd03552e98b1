package main

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/notify"
)

// loopSilence is how many watchdog intervals a role's loop may go without
// going round before the watchdog is starved: 5 min at WatchdogSec=1min,
// room for a long rescan or a slow job between progress beats.
const loopSilence = 5

// serving tells systemd (Type=notify) that the roles are up and feeds its
// watchdog while they are healthy; the returned func says STOPPING=1. It
// wraps each of roles so its loops beat a heartbeat of their own (through
// notify.Beat on their context: the pull loop of bus.Work, the job's
// keep-alive while bytes move, the dispatcher's and watcher's select loops).
// Healthy: every role's loop went round within loopSilence intervals, and
// this process's NATS connection is not broken (bus.Alive: open, and
// answering a PING, or reconnecting). A wedged loop or client starves the
// watchdog and systemd restarts the process; a cluster outage does not,
// since the loops keep going round while they retry.
func (s *system) serving(ctx context.Context, roles map[string]runner) func() {
	probes := []notify.Probe{{Name: "nats", Check: s.bus.Alive}}
	maxAge := loopSilence * time.Minute // the units' WatchdogSec; unset, nothing is fed anyway
	if d := notify.Interval(); d > 0 {
		maxAge = loopSilence * d
	}
	for _, name := range slices.Sorted(maps.Keys(roles)) {
		hb := &notify.Heartbeat{}
		hb.Beat() // starting counts: the loop has maxAge to go round
		run := roles[name]
		roles[name] = func(ctx context.Context) error { return run(notify.WithHeartbeat(ctx, hb)) }
		probes = append(probes, notify.Probe{Name: name + " loop", Check: hb.Check(maxAge)})
	}
	return notify.Serve(ctx, s.log, probes...)
}

// serverServing is serving for `ferry nats`: healthy while the server takes
// client connections.
func serverServing(ctx context.Context, srv *bus.Server, log *slog.Logger) func() {
	return notify.Serve(ctx, log, notify.Probe{Name: "server", Check: func(ctx context.Context) error {
		wait := time.Second
		if d, ok := ctx.Deadline(); ok {
			wait = time.Until(d)
		}
		if !srv.ReadyForConnections(wait) {
			return errors.New("couldn't see the server take connections")
		}
		return nil
	}})
}
