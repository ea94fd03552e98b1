package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/metrics"
	"github.com/ferrydata/ferry/internal/notify"
)

// Config is what the dispatcher needs: every route's limits.
type Config struct {
	Routes  map[string]Limits
	AckWait time.Duration // of the closed-event consumer; must exceed every MaxWait
}

// Validate checks that events are not redelivered while they wait in a batch.
func (c Config) Validate() error {
	if len(c.Routes) == 0 {
		return errors.New("dispatcher: no routes")
	}
	for name, l := range c.Routes {
		if l.Files < 1 || l.Bytes < 1 || l.MaxWait <= 0 {
			return fmt.Errorf("dispatcher: route %s: batch limits must be positive", name)
		}
		if l.MaxWait >= c.AckWait {
			return fmt.Errorf("dispatcher: route %s: batch.max_wait %s must be shorter than retry.ack_wait %s", name, l.MaxWait, c.AckWait)
		}
	}
	return nil
}

// Deps are the dispatcher's collaborators.
type Deps struct {
	Bus     *bus.Bus
	Ledger  *ledger.Ledger
	Log     *slog.Logger
	Metrics *metrics.Metrics
}

// Dispatcher turns closed-file events into jobs.
type Dispatcher struct {
	cfg Config
	Deps
	batch *batcher[*bus.Delivery]
	// loads are the movers' last readings per host (capacity.go).
	loads    map[string]*reading
	readDone chan readResult
}

// New checks the config and returns a dispatcher.
func New(cfg Config, deps Deps) (*Dispatcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d := &Dispatcher{cfg: cfg, Deps: deps, loads: map[string]*reading{}, readDone: make(chan readResult)}
	d.batch = newBatcher[*bus.Delivery](func(route string) Limits { return cfg.Routes[route] })
	return d, nil
}

// Run batches events until ctx is cancelled. Events still waiting in a batch
// then are handed back to the server, not lost.
func (d *Dispatcher) Run(ctx context.Context) error {
	events, err := d.Bus.Stream(ctx, bus.ConsumerConfig{Stage: bus.StageDispatch, AckWait: d.cfg.AckWait, MaxAckPending: 50000})
	if err != nil {
		return err
	}
	tick := time.NewTicker(d.tickEvery())
	defer tick.Stop()
	for {
		notify.Beat(ctx) // the tick brings it round every loadTTL at most
		select {
		case msg, ok := <-events:
			if !ok {
				d.handBack()
				return nil
			}
			d.add(ctx, msg)
		case res := <-d.readDone:
			d.gotReading(ctx, res, time.Now())
		case now := <-tick.C:
			d.flush(ctx, d.batch.due(now, false))
			d.flushIdle(ctx, d.batch.hosts(), now)
			d.forget(now)
		case <-ctx.Done():
			d.handBack()
			return nil
		}
	}
}

// tickEvery is often enough to see a mover become free (loadTTL) and to
// keep max_wait within a quarter of itself.
func (d *Dispatcher) tickEvery() time.Duration {
	every := loadTTL
	for _, l := range d.cfg.Routes {
		every = min(every, max(l.MaxWait/4, 10*time.Millisecond))
	}
	return every
}

func (d *Dispatcher) add(ctx context.Context, msg *bus.Delivery) {
	// Route and host come from the subject, which NATS permissions protect;
	// a body naming others is forged and touches no ledger record.
	from, err := bus.ClosedOrigin(msg.Subject())
	var ev bus.Closed
	if err == nil {
		ev, err = bus.DecodeClosed(msg.Data())
	}
	if err == nil {
		err = from.Check(ev.Route, ev.Host)
	}
	if err != nil {
		d.reject(ctx, msg, from, nil, err)
		return
	}
	if _, known := d.cfg.Routes[from.Route]; !known {
		// A watcher's route this dispatcher lacks: the file fails once,
		// rather than being announced and dead-lettered every rescan.
		d.reject(ctx, msg, from, &ev.File, fmt.Errorf("unknown route %q: %w", from.Route, fault.ErrInvalid))
		return
	}
	now := time.Now()
	k := groupKey{from.Route, from.Host}
	full, dup := d.batch.add(k, item[*bus.Delivery]{file: ev.File, ref: msg}, now)
	if dup {
		_ = msg.Ack(ctx)
		return
	}
	d.flush(ctx, full)
	if d.batch.waiting(k) {
		d.flushIdle(ctx, []string{k.host}, now)
	}
}
