// Package metrics owns ferry's Prometheus metrics and the HTTP endpoint that
// serves them (/metrics, /healthz, /readyz). Roles receive a *Metrics;
// nothing registers globally.
//
// Conventions (promtool check metrics runs on a live scrape): every name
// starts with ferry_, counters end in _total, units are base units
// (_seconds, _bytes); a route's series are created at zero by InitRoute, and
// only for label values that can occur (VerifyReasons), so increase() sees
// a first failure and no alert waits on a series that never moves.
//
// It must never:
//
//   - decide anything about a file: it counts what the roles decided;
//   - block a role: gauges that need NATS (backlog, oldest waiting) are
//     refreshed by the CLI's exporter, and the file-system gauges are read
//     at scrape time.
package metrics
