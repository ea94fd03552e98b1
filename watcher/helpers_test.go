package watcher

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
	"github.com/ferrydata/ferry/internal/config"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/metrics"
	"github.com/ferrydata/ferry/internal/testkit"
)

const testRoute = "warcs"

// harness is a watcher over a temp dir with a real embedded JetStream.
type harness struct {
	t    *testing.T
	bus  *bus.Bus
	led  *ledger.Ledger
	m    *metrics.Metrics
	root string
	w    *Watcher
}

// newHarness builds a watcher with the default Heritrix rules on one local
// route; edit may change the config before New.
func newHarness(t *testing.T, edit func(*Config)) *harness {
	t.Helper()
	b := bustest.Start(t)
	h := &harness{t: t, bus: b, led: ledger.New(b.Ledger()), m: metrics.New(), root: t.TempDir()}
	cfg := Config{
		Routes: []Route{{Name: testRoute, Source: h.root, Host: "crawler1",
			Include: config.DefaultInclude(), Exclude: config.DefaultExclude()}},
		RescanInterval: time.Hour, // events alone must do, unless a test scans itself
		StaleAfter:     time.Hour,
	}
	if edit != nil {
		edit(&cfg)
	}
	w, err := New(cfg, Deps{Bus: b, Ledger: h.led, Log: bustest.Logger(t), Metrics: h.m})
	if err != nil {
		t.Fatal(err)
	}
	h.w = w
	return h
}

// run starts Run until the test ends, and checks it returns nil on cancel.
func (h *harness) run() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- h.w.Run(ctx) }()
	h.t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			h.t.Errorf("Run() = %v, want nil after cancel", err)
		}
	})
}

// path returns the absolute path of rel, creating its parent directories.
func (h *harness) path(rel string) string {
	h.t.Helper()
	p := filepath.Join(h.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		h.t.Fatal(err)
	}
	return p
}

func (h *harness) write(rel, data string) {
	h.t.Helper()
	if err := os.WriteFile(h.path(rel), []byte(data), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// heritrixWrite writes name.open and renames it when complete, as Heritrix does.
func (h *harness) heritrixWrite(rel, data string) {
	h.t.Helper()
	testkit.HeritrixWrite(h.t, h.path(rel), []byte(data))
}

// records returns the ledger's records by path.
func (h *harness) records() map[string]*ledger.Record {
	h.t.Helper()
	recs := map[string]*ledger.Record{}
	err := h.led.Records(context.Background(), "", func(r *ledger.Record) error {
		recs[r.Path] = r
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return recs
}

// waitRecords waits until the ledger holds exactly want (sorted paths).
func (h *harness) waitRecords(want ...string) map[string]*ledger.Record {
	h.t.Helper()
	sort.Strings(want)
	deadline := time.Now().Add(5 * time.Second)
	for {
		recs := h.records()
		got := sortedKeys(recs)
		if slices.Equal(got, want) {
			return recs
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("ledger records %q, want %q", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// closedMessages consumes FERRY_CLOSED until it has been quiet for a while.
func (h *harness) closedMessages() []bus.Closed {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := h.bus.Stream(ctx, bus.ConsumerConfig{Stage: bus.StageDispatch, AckWait: time.Minute})
	if err != nil {
		h.t.Fatal(err)
	}
	var got []bus.Closed
	for {
		select {
		case d := <-ch:
			c, err := bus.DecodeClosed(d.Data())
			if err != nil {
				h.t.Fatal(err)
			}
			got = append(got, c)
			if err := d.Ack(ctx); err != nil {
				h.t.Fatal(err)
			}
		case <-time.After(300 * time.Millisecond):
			return got
		}
	}
}

// waitClosed waits up to 5s for want files counted as announced (the count
// follows the ledger records: it moves once their events are out) and
// returns the count.
func (h *harness) waitClosed(want float64) float64 {
	deadline := time.Now().Add(5 * time.Second)
	for h.closedCount() != want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	return h.closedCount()
}

func (h *harness) closedCount() float64 {
	return testutil.ToFloat64(h.m.FilesClosed.WithLabelValues(testRoute))
}

func (h *harness) skippedCount(reason string) float64 {
	return testutil.ToFloat64(h.m.FilesSkipped.WithLabelValues(testRoute, reason))
}

func (h *harness) scan() []Seen {
	h.t.Helper()
	seen, _, err := h.w.Scan(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return seen
}

// scanLeft is scan, also counting the files it left under a delete's
// private name (ReasonInterruptedDelete).
func (h *harness) scanLeft() ([]Seen, int) {
	h.t.Helper()
	seen, problems, err := h.w.Scan(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	left := 0
	for _, p := range problems {
		if p.Reason == ReasonInterruptedDelete {
			left++
		}
	}
	return seen, left
}

func seenPaths(seen []Seen) []string {
	var paths []string
	for _, s := range seen {
		paths = append(paths, s.File.Path)
	}
	sort.Strings(paths)
	return paths
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
