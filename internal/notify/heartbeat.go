package notify

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"
)

// Heartbeat is the time a loop last went round, for a loop that can say it
// is alive itself; its Check makes a Probe of it.
type Heartbeat struct{ last atomic.Int64 }

// Beat records that the loop went round now.
func (h *Heartbeat) Beat() { h.last.Store(time.Now().UnixNano()) }

// Last is when the loop last went round (the zero time if never).
func (h *Heartbeat) Last() time.Time {
	n := h.last.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// Check fails when the loop has not gone round for maxAge.
func (h *Heartbeat) Check(maxAge time.Duration) func(context.Context) error {
	return func(context.Context) error {
		if age := time.Since(h.Last()); age > maxAge {
			return fmt.Errorf("couldn't see the loop go round: last beat %s ago", age.Round(time.Millisecond))
		}
		return nil
	}
}

// Stale names the probes whose last success is older than maxAge at now:
// the daemon is healthy when it returns none.
func Stale(last map[string]time.Time, now time.Time, maxAge time.Duration) []string {
	var out []string
	for name, t := range last {
		if now.Sub(t) > maxAge {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

type heartbeatKey struct{}

// WithHeartbeat returns ctx carrying hb, for the loops run under it to beat
// with Beat: a role's loops reach a Heartbeat without knowing of systemd.
func WithHeartbeat(ctx context.Context, hb *Heartbeat) context.Context {
	return context.WithValue(ctx, heartbeatKey{}, hb)
}

// Beat records that a loop run under ctx went round; without a Heartbeat in
// ctx (a loop run outside a daemon, a test) it does nothing.
func Beat(ctx context.Context) {
	if hb, ok := ctx.Value(heartbeatKey{}).(*Heartbeat); ok {
		hb.Beat()
	}
}
