package notify

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/notify/notifytest"
)

func TestStale(t *testing.T) {
	now := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		last map[string]time.Time
		want []string
	}{
		{"no probes", nil, nil},
		{"all fresh", map[string]time.Time{"bus": now.Add(-time.Second), "loop": now}, nil},
		{"exactly max age", map[string]time.Time{"bus": now.Add(-10 * time.Second)}, nil},
		{"one stale", map[string]time.Time{"bus": now.Add(-11 * time.Second), "loop": now}, []string{"bus"}},
		{"never succeeded", map[string]time.Time{"loop": {}}, []string{"loop"}},
		{"both stale, sorted", map[string]time.Time{"z": now.Add(-time.Hour), "a": now.Add(-time.Hour)}, []string{"a", "z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Stale(tc.last, now, 10*time.Second); !slices.Equal(got, tc.want) {
				t.Errorf("Stale = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestHeartbeatCheck(t *testing.T) {
	var hb Heartbeat
	if err := hb.Check(time.Hour)(context.Background()); err == nil {
		t.Error("a loop that never beat passed its check")
	}
	hb.Beat()
	if err := hb.Check(time.Hour)(context.Background()); err != nil {
		t.Errorf("a loop that just beat failed its check: %v", err)
	}
	hb.last.Store(time.Now().Add(-2 * time.Hour).UnixNano())
	if err := hb.Check(time.Hour)(context.Background()); err == nil {
		t.Error("a loop silent for two hours passed a one-hour check")
	}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// The watchdog is fed while the loop beats, starved while it is stuck, and
// fed again once it goes round again.
func TestServeFeedsWatchdogOnlyWhileLoopIsHealthy(t *testing.T) {
	const interval = 200 * time.Millisecond
	msgs := notifytest.Socket(t, interval, true)

	var hb Heartbeat
	var stuck atomic.Bool
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // the role's loop
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if !stuck.Load() {
					hb.Beat()
				}
			}
		}
	}()
	hb.Beat()
	stop := Serve(ctx, quietLog(), Probe{Name: "loop", Check: hb.Check(interval / 4)})
	defer stop()

	if m := <-msgs; m != "READY=1" {
		t.Fatalf("first notification %q, want READY=1", m)
	}
	notifytest.Expect(t, msgs, "WATCHDOG=1", 10*time.Second)

	stuck.Store(true)
	// The check fails after interval/4, the last success ages out after
	// another interval/2: by 2 intervals every keep-alive in flight is in.
	time.Sleep(2 * interval)
	for len(msgs) > 0 {
		<-msgs
	}
	silence := time.After(5 * interval) // ten keep-alive periods
	for waiting := true; waiting; {
		select {
		case m := <-msgs:
			t.Fatalf("systemd got %q while the loop was stuck", m)
		case <-silence:
			waiting = false
		}
	}

	stuck.Store(false)
	notifytest.Expect(t, msgs, "WATCHDOG=1", 10*time.Second)

	cancel()
	notifytest.Expect(t, msgs, "STOPPING=1", 10*time.Second)
}

// A probe that hangs past its deadline counts as failing, not as fine.
func TestServeStarvesWatchdogWhenProbeHangs(t *testing.T) {
	const interval = 200 * time.Millisecond
	msgs := notifytest.Socket(t, interval, true)
	hang := make(chan struct{})
	defer close(hang)
	stop := Serve(context.Background(), quietLog(), Probe{Name: "bus", Check: func(context.Context) error {
		<-hang // ignores its context, as a wedged library call would
		return nil
	}})
	if m := <-msgs; m != "READY=1" {
		t.Fatalf("first notification %q, want READY=1", m)
	}
	// Healthy at start for half an interval: at most the first keep-alive.
	time.Sleep(interval)
	for len(msgs) > 0 {
		<-msgs
	}
	select {
	case m := <-msgs:
		t.Fatalf("systemd got %q while the only probe hung", m)
	case <-time.After(5 * interval):
	}
	stop()
	notifytest.Expect(t, msgs, "STOPPING=1", 10*time.Second)
}

// Without WatchdogSec: READY=1 and STOPPING=1, never a keep-alive.
func TestServeWithoutWatchdog(t *testing.T) {
	msgs := notifytest.Socket(t, 0, true)
	stop := Serve(context.Background(), quietLog(), Probe{Name: "bus", Check: func(context.Context) error { return nil }})
	if m := <-msgs; m != "READY=1" {
		t.Fatalf("first notification %q, want READY=1", m)
	}
	stop()
	if m := <-msgs; m != "STOPPING=1" {
		t.Fatalf("notification %q after stop, want STOPPING=1", m)
	}
}

// Outside systemd nothing is sent and nothing fails.
func TestServeOutsideSystemd(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	t.Setenv("WATCHDOG_USEC", "")
	Serve(context.Background(), quietLog())()
}

// Beat reaches the Heartbeat carried by ctx, and is a no-op without one.
func TestBeatThroughContext(t *testing.T) {
	Beat(context.Background()) // no heartbeat: must not panic
	var hb Heartbeat
	ctx, cancel := context.WithCancel(WithHeartbeat(context.Background(), &hb))
	defer cancel() // derived contexts keep it, as a role's loops see it
	if !hb.Last().IsZero() {
		t.Fatal("a fresh heartbeat has a last beat")
	}
	Beat(ctx)
	if time.Since(hb.Last()) > time.Minute {
		t.Errorf("Beat through ctx did not reach the heartbeat: last %v", hb.Last())
	}
}
