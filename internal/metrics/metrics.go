// Package metrics owns ferry's Prometheus metrics and the HTTP endpoint that
// serves them. Roles receive a *Metrics; nothing registers globally.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are every series ferry exports. A nil *Metrics is not allowed;
// tests use New() like the daemons do.
type Metrics struct {
	Registry *prometheus.Registry

	FilesClosed    *prometheus.CounterVec   // route
	FilesSkipped   *prometheus.CounterVec   // route, reason: names or file types the watcher refuses
	FilesCopied    *prometheus.CounterVec   // route
	FilesMoved     *prometheus.CounterVec   // route: verified (and source deleted if configured)
	BytesCopied    *prometheus.CounterVec   // route
	BytesVerified  *prometheus.CounterVec   // route: bytes read back from the destination
	VerifyFailures *prometheus.CounterVec   // route, reason
	Jobs           *prometheus.CounterVec   // stage, route, outcome: ok, retry, dead
	DeadLetters    *prometheus.CounterVec   // stage, route, reason
	StageSeconds   *prometheus.HistogramVec // stage, route: one job's work
	LastMoved      *prometheus.GaugeVec     // route: unix time of the last verified file
	Backlog        *prometheus.GaugeVec     // consumer, kind: pending, ack_pending, redelivered
	Validations    *prometheus.CounterVec   // route, validator, outcome: valid, invalid
}

// New creates the metrics in a fresh registry with Go and process collectors.
func New() *Metrics {
	m := &Metrics{
		Registry:       prometheus.NewRegistry(),
		FilesClosed:    counter("files_closed_total", "Closed files announced by the watcher.", "route"),
		FilesSkipped:   counter("files_skipped_total", "Files the watcher refused (bad name, symlink, not a regular file).", "route", "reason"),
		FilesCopied:    counter("files_copied_total", "Files copied to their destination.", "route"),
		FilesMoved:     counter("files_moved_total", "Files verified by read-back (and their sources deleted when configured).", "route"),
		BytesCopied:    counter("bytes_copied_total", "Bytes uploaded to destinations.", "route"),
		BytesVerified:  counter("bytes_verified_total", "Bytes read back from destinations and hashed.", "route"),
		VerifyFailures: counter("verify_failures_total", "Read-back verifications that failed; the source was kept.", "route", "reason"),
		Jobs:           counter("jobs_total", "Jobs handled, by stage and outcome.", "stage", "route", "outcome"),
		DeadLetters:    counter("dead_letters_total", "Files sent to the dead-letter stream.", "stage", "route", "reason"),
		StageSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "ferry", Name: "job_duration_seconds", Help: "Time one job spent in a stage.",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 10),
		}, []string{"stage", "route"}),
		LastMoved: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "ferry", Name: "last_moved_timestamp_seconds", Help: "When the route last verified a file.",
		}, []string{"route"}),
		Backlog: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "ferry", Name: "queue_messages", Help: "Messages waiting or in flight per consumer.",
		}, []string{"consumer", "kind"}),
	}
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.FilesClosed, m.FilesSkipped, m.FilesCopied, m.FilesMoved, m.BytesCopied, m.BytesVerified,
		m.VerifyFailures, m.Jobs, m.DeadLetters, m.StageSeconds, m.LastMoved, m.Backlog,
	)
	m.Validations = counter("validations_total", "Files a route's content validators checked on the bytes read back, by outcome.", "route", "validator", "outcome")
	m.Registry.MustRegister(m.Validations)
	return m
}

func counter(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "ferry", Name: name, Help: help}, labels)
}

// Reasons a file fails, as fault names them; listed here so every series
// exists at zero from the start and an alert sees the first failure.
var reasons = []string{"conflict", "mismatch", "missing_hash", "source_changed", "source_missing", "invalid", "max_attempts"}

// InitRoute creates a route's series at zero. Prometheus's increase() cannot
// see a counter's first step if the series appears already at 1.
func (m *Metrics) InitRoute(route string) {
	m.FilesClosed.WithLabelValues(route)
	m.FilesCopied.WithLabelValues(route)
	m.FilesMoved.WithLabelValues(route)
	m.BytesCopied.WithLabelValues(route)
	m.BytesVerified.WithLabelValues(route)
	for _, reason := range reasons {
		m.VerifyFailures.WithLabelValues(route, reason)
		for _, stage := range []string{"dispatch", "copy", "verify"} {
			m.DeadLetters.WithLabelValues(stage, route, reason)
		}
	}
	for _, stage := range []string{"dispatch", "copy", "verify"} {
		for _, outcome := range []string{"ok", "retry", "dead"} {
			m.Jobs.WithLabelValues(stage, route, outcome)
		}
	}
}
