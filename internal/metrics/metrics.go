package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
)

// Metrics are every series ferry exports. A nil *Metrics is not allowed;
// tests use New() like the daemons do.
type Metrics struct {
	Registry *prometheus.Registry

	FilesClosed    *prometheus.CounterVec   // route
	FilesSkipped   *prometheus.CounterVec   // route, reason: names or file types the watcher refuses
	FilesCopied    *prometheus.CounterVec   // route
	FilesMoved     *prometheus.CounterVec   // route: verified (and source deleted if configured)
	FilesDeleted   *prometheus.CounterVec   // route: verified and its source deleted
	BytesCopied    *prometheus.CounterVec   // route
	BytesVerified  *prometheus.CounterVec   // route: bytes read back from the destination
	VerifyFailures *prometheus.CounterVec   // route, reason: one of VerifyReasons
	Jobs           *prometheus.CounterVec   // stage, route, outcome: ok, retry, dead
	DeadLetters    *prometheus.CounterVec   // stage, route, reason
	StageSeconds   *prometheus.HistogramVec // stage, route: one job's work
	LastMoved      *prometheus.GaugeVec     // route: unix time of the last verified file
	Backlog        *prometheus.GaugeVec     // stage, route, kind: pending, unacked
	OldestWaiting  *prometheus.GaugeVec     // route: age of the oldest file still in the work streams
	BuildInfo      *prometheus.GaugeVec     // version, revision, goversion: always 1
	Validations    *prometheus.CounterVec   // route, validator, outcome: valid, invalid
	VerifyRead     *prometheus.CounterVec   // route: bytes of every read-back, failed ones too
}

// New creates the metrics in a fresh registry with Go and process collectors.
func New() *Metrics {
	m := &Metrics{
		Registry:       prometheus.NewRegistry(),
		FilesClosed:    counter("files_closed_total", "Closed files announced by the watcher.", "route"),
		FilesSkipped:   counter("files_skipped_total", "Files the watcher refused (bad name, symlink, not a regular file).", "route", "reason"),
		FilesCopied:    counter("files_copied_total", "Files copied to their destination.", "route"),
		FilesMoved:     counter("files_moved_total", "Files verified by read-back (and their sources deleted when configured).", "route"),
		FilesDeleted:   counter("files_deleted_total", "Sources deleted after their copy was verified (verified files whose source was kept are not counted).", "route"),
		BytesCopied:    counter("bytes_copied_total", "Bytes uploaded to destinations.", "route"),
		BytesVerified:  counter("bytes_verified_total", "Bytes read back from destinations and hashed.", "route"),
		VerifyFailures: counter("verify_failures_total", "Verifications that failed, by reason; the source was kept.", "route", "reason"),
		Jobs:           counter("jobs_total", "Jobs handled, by stage and outcome.", "stage", "route", "outcome"),
		DeadLetters:    counter("dead_letters_total", "Files sent to the dead-letter stream.", "stage", "route", "reason"),
		StageSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "ferry", Name: "job_duration_seconds", Help: "Time one job spent in a stage.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 10),
		}, []string{"stage", "route"}),
		LastMoved: gauge("last_moved_timestamp_seconds", "When the route last verified a file.", "route"),
		Backlog: gauge("backlog_messages",
			"Messages of a stage and route in the work streams: pending (not yet delivered) or unacked (delivered, not yet acknowledged: in flight or waiting out a retry delay).",
			"stage", "route", "kind"),
		OldestWaiting: gauge("oldest_waiting_seconds",
			"Age (since its modification time) of the oldest file of the route still waiting in the work streams; 0 when none waits.", "route"),
		BuildInfo: gauge("build_info", "Always 1; the labels say which ferry this is.", "version", "revision", "goversion"),
	}
	b := Build()
	m.BuildInfo.WithLabelValues(b.Version, b.Revision, b.GoVersion).Set(1)
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.FilesClosed, m.FilesSkipped, m.FilesCopied, m.FilesMoved, m.FilesDeleted, m.BytesCopied, m.BytesVerified,
		m.VerifyFailures, m.Jobs, m.DeadLetters, m.StageSeconds, m.LastMoved, m.Backlog, m.OldestWaiting, m.BuildInfo,
	)
	m.Validations = counter("validations_total", "Files a route's content validators checked on the bytes read back, by outcome.", "route", "validator", "outcome")
	m.VerifyRead = counter("verify_read_bytes_total",
		"Bytes the verifier's read-backs took from destinations, counted as they arrived, failed reads included; a route's validators check these same bytes, not a read of their own.", "route")
	m.Registry.MustRegister(m.Validations, m.VerifyRead)
	return m
}

func counter(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "ferry", Name: name, Help: help}, labels)
}

func gauge(name, help string, labels ...string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "ferry", Name: name, Help: help}, labels)
}

// InitRoute creates a route's series at zero. Prometheus's increase() cannot
// see a counter's first step if the series appears already at 1.
func (m *Metrics) InitRoute(route string) {
	m.FilesClosed.WithLabelValues(route)
	m.FilesCopied.WithLabelValues(route)
	m.FilesMoved.WithLabelValues(route)
	m.FilesDeleted.WithLabelValues(route)
	m.BytesCopied.WithLabelValues(route)
	m.BytesVerified.WithLabelValues(route)
	m.VerifyRead.WithLabelValues(route)
	for _, reason := range VerifyReasons {
		m.VerifyFailures.WithLabelValues(route, reason)
	}
	for _, stage := range bus.Stages() {
		for _, reason := range fault.Reasons() {
			m.DeadLetters.WithLabelValues(string(stage), route, reason)
		}
		for _, outcome := range []string{"ok", "retry", "dead"} {
			m.Jobs.WithLabelValues(string(stage), route, outcome)
		}
	}
}
