package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
)

func TestVerifyReason(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		reason string
		ok     bool
	}{
		{"mismatch", fmt.Errorf("hash differs: %w", fault.ErrMismatch), "mismatch", true},
		{"missing hash", fmt.Errorf("no md5: %w", fault.ErrMissingHash), "missing_hash", true},
		{"source changed", fmt.Errorf("grew: %w", fault.ErrSourceChanged), "source_changed", true},
		{"conflict", fmt.Errorf("copy changed: %w", fault.ErrConflict), "conflict", true},
		{"overlap", fmt.Errorf("same inode: %w", fault.ErrOverlap), "overlap", true},
		{"read error", errors.New("connection reset"), "io", true},
		{"busy source", fmt.Errorf("open for writing: %w", fault.ErrSourceBusy), "io", true},
		{"shutdown", fmt.Errorf("read: %w", context.Canceled), "", false},
		{"nats down", fmt.Errorf("record: %w", fault.ErrUnavailable), "", false},
		{"twin moved it", fmt.Errorf("gone: %w", fault.ErrSourceMissing), "", false},
		{"no error", nil, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reason, ok := VerifyReason(tc.err)
			if reason != tc.reason || ok != tc.ok {
				t.Fatalf("VerifyReason = %q, %v; want %q, %v", reason, ok, tc.reason, tc.ok)
			}
		})
	}
}

// Only reasons the verifier meets get a verify-failure series, each at 0.
func TestInitRouteVerifySeries(t *testing.T) {
	m := New()
	m.InitRoute("warcs")
	if n := testutil.CollectAndCount(m.VerifyFailures); n != len(VerifyReasons) {
		t.Fatalf("%d verify failure series, want %d (%v)", n, len(VerifyReasons), VerifyReasons)
	}
	m.VerifyFailed("warcs", fmt.Errorf("x: %w", fault.ErrMismatch))
	if v := testutil.ToFloat64(m.VerifyFailures.WithLabelValues("warcs", "mismatch")); v != 1 {
		t.Fatalf("mismatch counter = %v, want 1", v)
	}
	if n := testutil.CollectAndCount(m.VerifyFailures); n != len(VerifyReasons) {
		t.Fatalf("a failure added a series: %d", n)
	}
}

func TestBuildInfo(t *testing.T) {
	b := Build()
	if b.Version == "" || b.Revision == "" || !strings.HasPrefix(b.GoVersion, "go") {
		t.Fatalf("Build() = %+v", b)
	}
	m := New()
	if v := testutil.ToFloat64(m.BuildInfo.WithLabelValues(b.Version, b.Revision, b.GoVersion)); v != 1 {
		t.Fatalf("ferry_build_info = %v, want 1", v)
	}
}

func TestSourceSpace(t *testing.T) {
	m := New()
	m.WatchSources([]Source{{Route: "warcs", Path: t.TempDir()}, {Route: "gone", Path: "/nonexistent/ferry"}})
	body := gather(t, m)
	for _, want := range []string{`ferry_source_free_bytes{route="warcs"}`, `ferry_source_size_bytes{route="warcs"}`} {
		if !strings.Contains(body, want) {
			t.Errorf("no %s in\n%s", want, body)
		}
	}
	if strings.Contains(body, `route="gone"`) {
		t.Errorf("a source that cannot be read has series")
	}
	free, size, err := fsSpace(t.TempDir())
	if err != nil || size == 0 || free > size {
		t.Fatalf("fsSpace = %d, %d, %v", free, size, err)
	}
}

func TestReadyz(t *testing.T) {
	m := New()
	var ready atomic.Bool
	addr, err := m.Serve(t.Context(), "127.0.0.1:0", func(context.Context) error {
		if !ready.Load() {
			return errors.New("consumer copy-c1 is not bound")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr.String() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "copy-c1") {
		t.Fatalf("/readyz while not ready: %d %q", code, body)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz: %d", code)
	}
	ready.Store(true)
	if code, _ := get("/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz when ready: %d", code)
	}
}

func gather(t *testing.T, m *Metrics) string {
	t.Helper()
	var b strings.Builder
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, mm := range f.GetMetric() {
			for _, l := range mm.GetLabel() {
				fmt.Fprintf(&b, "%s{%s=%q} %v\n", f.GetName(), l.GetName(), l.GetValue(), mm.GetGauge().GetValue())
			}
		}
	}
	return b.String()
}

// Every reason a file can be dead-lettered with has its series at 0 in every
// stage, so the first dead letter of a kind is seen by increase().
func TestInitRouteDeadLetterSeries(t *testing.T) {
	m := New()
	m.InitRoute("warcs")
	sentinels := []error{fault.ErrConflict, fault.ErrMismatch, fault.ErrMissingHash, fault.ErrSourceChanged,
		fault.ErrSourceMissing, fault.ErrInvalid, fault.ErrOverlap, fault.ErrInvalidContent, fault.ErrSourceBusy,
		fault.ErrNotFound, fault.ErrUnavailable, errors.New("other")}
	reasons := []string{fault.ReasonMaxAttempts}
	for _, err := range sentinels {
		reason, _ := fault.Classify(err)
		reasons = append(reasons, reason)
	}
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{} // stage/reason of each ferry_dead_letters_total series
	for _, f := range families {
		if f.GetName() != "ferry_dead_letters_total" {
			continue
		}
		for _, s := range f.GetMetric() {
			l := map[string]string{}
			for _, p := range s.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			have[l["stage"]+"/"+l["reason"]] = true
		}
	}
	for _, stage := range bus.Stages() {
		for _, reason := range reasons {
			if !have[string(stage)+"/"+reason] {
				t.Errorf("no ferry_dead_letters_total series for stage %s, reason %s", stage, reason)
			}
		}
	}
}
