package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/notify"
)

// serving tells systemd (Type=notify) that the roles are up and feeds its
// watchdog while they are healthy; the returned func says STOPPING=1.
// Healthy, for every role: this process's NATS connection is not broken
// (bus.Alive: open, and answering a PING, or reconnecting). Each role's
// loop waits on that connection (the watcher to announce, the dispatcher
// for events, movers and verifiers for jobs), so a wedged client starves
// the watchdog and systemd restarts the process; a cluster outage does
// not, since a restart would not end it.
func (s *system) serving(ctx context.Context) func() {
	return notify.Serve(ctx, s.log, notify.Probe{Name: "nats", Check: s.bus.Alive})
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
