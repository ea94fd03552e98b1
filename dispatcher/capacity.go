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

// loadRetry is how long a failed reading stands (as no room) before the
// next try: a server that denies or drops the request (a dispatcher user
// without $JS.API.CONSUMER.INFO.FERRY_JOBS.*) is asked rarely.
const loadRetry = 10 * time.Second

// loadTimeout bounds one info request.
const loadTimeout = 2 * time.Second

// reading is a host's load as last read; a host has one request at most in
// flight, and the dispatcher never waits for it.
type reading struct {
	load
	at      time.Time // when the request went out: the load is of then
	asked   time.Time
	failed  bool
	reading bool // a request is in flight
	// sentSinceAsk counts jobs sent since the request went out: the answer
	// may not include them, so they count against it (at worst a file waits
	// for the next reading).
	sentSinceAsk int
}

type readResult struct {
	host string
	load bus.Load
	err  error
}

// loadsOf returns the fresh readings of hosts, and asks the server again for
// those older than loadTTL; their answers arrive on d.readDone. A host
// without a fresh reading is left out: its files keep filling until a cap,
// max_wait, or the answer says a mover waits.
func (d *Dispatcher) loadsOf(ctx context.Context, hosts []string, now time.Time) map[string]load {
	out := make(map[string]load, len(hosts))
	for _, host := range hosts {
		r, ok := d.loads[host]
		if !ok {
			r = &reading{}
			d.loads[host] = r
		}
		stale := now.Sub(r.at) >= loadTTL
		if r.failed {
			stale = now.Sub(r.at) >= loadRetry
		}
		if !stale && !r.failed {
			out[host] = r.load
		}
		if stale && !r.reading {
			r.reading, r.sentSinceAsk, r.asked = true, 0, now
			go d.read(ctx, host)
		}
	}
	return out
}

func (d *Dispatcher) read(ctx context.Context, host string) {
	rctx, cancel := context.WithTimeout(ctx, loadTimeout)
	l, err := d.Bus.Outstanding(rctx, bus.StageCopy, host)
	cancel()
	select {
	case d.readDone <- readResult{host: host, load: l, err: err}:
	case <-ctx.Done():
	}
}

// gotReading stores an answer and flushes the host's waiting groups if a
// mover waits. A failed reading counts as no room: files wait for a cap or
// max_wait, as they did before adaptive batching, and nothing else changes.
func (d *Dispatcher) gotReading(ctx context.Context, res readResult, now time.Time) {
	r := &reading{at: now, failed: res.err != nil}
	if old, ok := d.loads[res.host]; ok {
		r.at, r.sent = old.asked, old.sentSinceAsk
	}
	if res.err != nil {
		if ctx.Err() == nil {
			d.Log.Warn("couldn't read the movers' load; batching as if they were busy", "host", res.host,
				"retry_in", loadRetry, "err", res.err)
		}
	} else {
		r.Load = res.load
	}
	d.loads[res.host] = r
	if !r.failed { // the freshest there is, even if the answer was slow
		d.flush(ctx, d.batch.idle(map[string]load{res.host: r.load}))
	}
}

// sent counts a job published for host against its last reading, so a burst
// of events within one reading does not send every file alone.
func (d *Dispatcher) sent(host string) {
	if r, ok := d.loads[host]; ok {
		r.sent++
		r.sentSinceAsk++
	}
}

// forget drops readings no longer used, so the cache holds only the hosts
// with recent events.
func (d *Dispatcher) forget(now time.Time) {
	for host, r := range d.loads {
		if !r.reading && now.Sub(r.at) >= loadRetry {
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
