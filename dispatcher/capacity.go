package dispatcher

import (
	"context"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
)

// loadTTL is how long a reading of a copy consumer is trusted: at most one
// info request per host and loadTTL however many events arrive, and a free
// mover is noticed within about loadTTL (the tick runs as often).
const loadTTL = 100 * time.Millisecond

// loadTimeout bounds one info request; the dispatcher waits for it.
const loadTimeout = 2 * time.Second

type reading struct {
	load
	at time.Time
}

// loadsOf returns the load of each host's copy consumer, read again where
// the last reading is older than loadTTL. A host whose load cannot be read
// counts as busy: its files batch as if movers were busy, by caps and
// max_wait, and nothing else changes.
func (d *Dispatcher) loadsOf(ctx context.Context, hosts []string, now time.Time) map[string]load {
	out := make(map[string]load, len(hosts))
	for _, host := range hosts {
		r, ok := d.loads[host]
		if !ok || now.Sub(r.at) >= loadTTL {
			r = &reading{at: now}
			rctx, cancel := context.WithTimeout(ctx, loadTimeout)
			l, err := d.Bus.Outstanding(rctx, bus.StageCopy, host)
			cancel()
			if err != nil {
				if !d.loadFailing && ctx.Err() == nil {
					d.Log.Warn("couldn't read the movers' load; batching as if they were busy", "host", host, "err", err)
				}
				d.loadFailing = true
			} else {
				d.loadFailing = false
				r.Load = l
			}
			d.loads[host] = r
		}
		out[host] = r.load
	}
	return out
}

// sent counts a job published for host against its last reading, so a burst
// of events within one reading does not send every file alone.
func (d *Dispatcher) sent(host string) {
	if r, ok := d.loads[host]; ok {
		r.sent++
	}
}

// forget drops readings too old to be used, so the cache holds only the
// hosts with recent events.
func (d *Dispatcher) forget(now time.Time) {
	for host, r := range d.loads {
		if now.Sub(r.at) >= loadTTL {
			delete(d.loads, host)
		}
	}
}

// flushIdle publishes the waiting groups of hosts whose movers are free.
func (d *Dispatcher) flushIdle(ctx context.Context, hosts []string, now time.Time) {
	if len(hosts) == 0 {
		return
	}
	d.flush(ctx, d.batch.idle(d.loadsOf(ctx, hosts, now)))
}
