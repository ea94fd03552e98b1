package config

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"
)

// Bounds checked by Validate.
const (
	MaxReplicas    = 5
	MaxConcurrency = 64
	MaxBatchFiles  = 10000
	MaxTransfers   = 64
	MinAckWait     = time.Second
	// MinShutdownGrace leaves a job in flight time to be handed back.
	MinShutdownGrace = time.Second
)

// problems collects validation errors, each prefixed with the key it is about.
type problems []error

func (p *problems) addf(key, format string, args ...any) {
	*p = append(*p, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
}

// Validate reports every problem in c at once (joined with errors.Join), each
// naming its key, as in "routes[1].batch.files: must be at least 1".
func (c *Config) Validate() error { return c.validate(true) }

// ValidateServer is Validate for `ferry nats`, which serves JetStream and
// moves no file: a config without routes is valid.
func (c *Config) ValidateServer() error { return c.validate(false) }

func (c *Config) validate(needRoutes bool) error {
	var p problems
	switch c.Host {
	case "":
		p.addf("host", "must not be empty")
	case AnyHost:
		p.addf("host", "must not be %q (reserved for routes any worker may take)", AnyHost)
	}
	if c.StateDir == "" {
		p.addf("state_dir", "must not be empty")
	}
	c.NATS.validate(&p)
	c.Rclone.validate(&p)
	if c.Metrics.Listen != "" {
		checkHostPort(&p, "metrics.listen", c.Metrics.Listen)
	}
	if needRoutes && len(c.Routes) == 0 {
		p.addf("routes", "at least one route is required")
	}
	seen := make(map[string]int, len(c.Routes))
	for i := range c.Routes {
		key := fmt.Sprintf("routes[%d]", i)
		r := &c.Routes[i]
		r.validate(&p, key, c.Retry.AckWait)
		if j, dup := seen[r.Name]; dup && r.Name != "" {
			p.addf(key+".name", "%q is already the name of routes[%d]", r.Name, j)
		} else {
			seen[r.Name] = i
		}
	}
	c.Retry.validate(&p)
	if c.RescanInterval <= 0 {
		p.addf("rescan_interval", "must be positive")
	}
	if c.MaxQueued < 1 {
		p.addf("max_queued", "must be at least 1")
	}
	if c.StaleAfter <= c.Retry.AckWait {
		p.addf("stale_after", "must be longer than retry.ack_wait (%s)", c.Retry.AckWait)
	}
	c.Mover.validate(&p, "mover")
	c.Verifier.validate(&p, "verifier")
	if keep := time.Duration(c.Ledger.Keep); keep != 0 && keep < time.Minute {
		p.addf("ledger.keep", "must be 0 (keep for ever) or at least 1m")
	}
	if keep := time.Duration(c.Events.Keep); keep != 0 && keep < time.Minute {
		p.addf("events.keep", "must be 0 (no events) or at least 1m")
	}
	if time.Duration(c.ShutdownGrace) < MinShutdownGrace {
		p.addf("shutdown_grace", "must be at least %s", MinShutdownGrace)
	}
	return errors.Join(p...)
}

func (r Retry) validate(p *problems) {
	if r.MaxAttempts < 1 {
		p.addf("retry.max_attempts", "must be at least 1")
	}
	if time.Duration(r.AckWait) < MinAckWait {
		p.addf("retry.ack_wait", "must be at least %s", MinAckWait)
	}
	for i, d := range r.Backoff {
		if d <= 0 {
			p.addf(fmt.Sprintf("retry.backoff[%d]", i), "must be positive")
		}
	}
}

func (w Workers) validate(p *problems, key string) {
	if w.Concurrency < 1 || w.Concurrency > MaxConcurrency {
		p.addf(key+".concurrency", "must be between 1 and %d, got %d", MaxConcurrency, w.Concurrency)
	}
}

// checkHostPort requires "host:port" with a numeric port; host may be empty
// (all interfaces).
func checkHostPort(p *problems, key, addr string) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		p.addf(key, "%q is not host:port", addr)
		return
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		p.addf(key, "%q: port must be a number from 0 to 65535", addr)
	}
}
