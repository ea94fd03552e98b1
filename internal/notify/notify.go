package notify

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// Probe checks one thing the daemon's loops depend on; Check must honour its
// context's deadline (a probe that hangs anyway just counts as failing).
type Probe struct {
	Name  string
	Check func(context.Context) error
}

// Serve says READY=1 and, when the unit sets WatchdogSec, sends WATCHDOG=1
// every half interval while every probe has succeeded within that half
// interval. When ctx ends, or the returned stop is called, it says
// STOPPING=1 (once) and feeds the watchdog no more. Without NOTIFY_SOCKET
// it sends nothing.
func Serve(ctx context.Context, log *slog.Logger, probes ...Probe) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	send(log, daemon.SdNotifyReady)
	var wg sync.WaitGroup
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		log.Warn("couldn't read systemd's watchdog settings; not feeding it", "err", err)
	}
	if interval > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			watch(ctx, log, interval, probes)
		}()
	}
	var once sync.Once
	stopping := func() { once.Do(func() { send(log, daemon.SdNotifyStopping) }) }
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-ctx.Done()
		stopping()
	}()
	return func() {
		cancel()
		wg.Wait()
	}
}

// watch feeds the watchdog on the probes' verdict. A daemon that is ready
// counts as healthy at start: its probes have half an interval to succeed.
func watch(ctx context.Context, log *slog.Logger, interval time.Duration, probes []Probe) {
	every := interval / 2
	h := &health{last: map[string]time.Time{}, errs: map[string]error{}}
	for _, p := range probes {
		h.set(p.Name, time.Now(), nil)
		go h.probe(ctx, p, every/2)
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if stale, errs := h.stale(time.Now(), every); len(stale) > 0 {
			log.Error("not feeding systemd's watchdog: probes failing", "probes", stale, "err", errs)
			continue
		}
		send(log, daemon.SdNotifyWatchdog)
	}
}

// health is the probes' last successes, and their last errors to log.
type health struct {
	mu   sync.Mutex
	last map[string]time.Time
	errs map[string]error
}

func (h *health) set(name string, ok time.Time, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil {
		h.last[name] = ok
	}
	h.errs[name] = err
}

func (h *health) stale(now time.Time, maxAge time.Duration) ([]string, []error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	names := Stale(h.last, now, maxAge)
	var errs []error
	for _, n := range names {
		if h.errs[n] != nil {
			errs = append(errs, h.errs[n])
		}
	}
	return names, errs
}

// probe runs p every period, each run bounded by period, until ctx ends.
func (h *health) probe(ctx context.Context, p Probe, period time.Duration) {
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pctx, cancel := context.WithTimeout(ctx, period)
		err := p.Check(pctx)
		cancel()
		h.set(p.Name, time.Now(), err)
	}
}

func send(log *slog.Logger, state string) {
	if _, err := daemon.SdNotify(false, state); err != nil {
		log.Warn("couldn't notify systemd", "state", state, "err", err)
	}
}

// Interval is the unit's WatchdogSec as systemd passed it to this process,
// or 0 when no watchdog is set (or its settings cannot be read).
func Interval() time.Duration {
	d, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		return 0
	}
	return d
}
