// Package systemd holds ferry's unit files (ferry.service, ferry@.service,
// ferry-nats.service) and, in its test, the checks they must pass:
// systemd-analyze verify with no complaint, and an exposure of at most 2.5
// in systemd-analyze security --offline=true.
package systemd
