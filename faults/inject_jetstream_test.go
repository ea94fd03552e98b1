package faults

import (
	"context"
	"fmt"
	"time"
)

func (c *campaign) purgeJobs() bool {
	subject := []string{"", "ferry.copy.>", "ferry.verify.>"}[c.rng.IntN(3)]
	return c.purge(streamJobs, subject)
}

func (c *campaign) purgeClosed() bool { return c.purge(streamClosed, "") }

func (c *campaign) purge(stream, subject string) bool {
	err := c.js(func(ctx context.Context, js jsConn) error {
		n, err := js.purge(ctx, stream, subject)
		c.logf("purged %s %s (%d messages in the stream)", stream, subject, n)
		return err
	})
	if err != nil {
		c.logf("purge %s: %v", stream, err)
		return false
	}
	return true
}

// deleteConsumer deletes one of ferry's durable consumers mid-run, and later
// looks whether a running daemon put it back.
func (c *campaign) deleteConsumer() bool {
	sc := consumers[c.rng.IntN(len(consumers))]
	err := c.js(func(ctx context.Context, js jsConn) error {
		return js.deleteConsumer(ctx, sc[0], sc[1])
	})
	if err != nil {
		c.logf("delete consumer %s: %v", sc[1], err)
		return false
	}
	gen := c.generation()
	c.lookLater(15*time.Second, func() {
		var back bool
		_ = c.js(func(ctx context.Context, js jsConn) error {
			back, _ = js.HasConsumer(ctx, sc[0], sc[1])
			return nil
		})
		switch {
		case back && gen == c.generation():
			c.notes["consumer deleted: recreated by a running daemon within 15s"]++
		case back:
			c.notes["consumer deleted: recreated by a restart within 15s"]++
		default:
			c.notes["consumer deleted: still missing 15s later (consumer "+sc[1]+")"]++
		}
	})
	return true
}

// generation changes whenever a process starts: a restart, not a running
// daemon, may be what recreated something.
func (c *campaign) generation() string {
	var ids []string
	for _, name := range c.d.names() {
		ids = append(ids, fmt.Sprint(c.d.procs[name].Pid()))
	}
	return fmt.Sprint(ids)
}

// deleteLedger deletes the ledger bucket, then restarts a daemon, which must
// create it again.
func (c *campaign) deleteLedger() bool {
	err := c.js(func(ctx context.Context, js jsConn) error { return js.deleteLedger(ctx) })
	if err != nil {
		c.logf("delete ledger: %v", err)
		return false
	}
	c.wait(c.pause(2 * time.Second)) // the running daemons meet a missing bucket
	name := "run"
	if c.d.topo == topoRoles {
		name = roleNames[c.rng.IntN(len(roleNames))]
	}
	c.d.restart(name, 0)
	back := c.waitUntil(2*time.Minute, func() bool {
		var ok bool
		_ = c.js(func(ctx context.Context, js jsConn) error {
			ok, _ = js.HasBucket(ctx, ledgerBucket)
			return nil
		})
		return ok
	})
	if !back {
		c.t.Errorf("ledger bucket not recreated within 2m of restarting %s", name)
	} else {
		c.notes["ledger deleted: recreated by the restarted daemon"]++
	}
	return true
}

// js runs fn with a JetStream client of the site, if its server is up.
func (c *campaign) js(fn func(ctx context.Context, js jsConn) error) error {
	holder := "nats"
	if c.d.topo == topoRun {
		holder = "run"
	}
	if p := c.d.procs[holder]; p == nil || !p.Running() {
		return fmt.Errorf("%s is not running", holder)
	}
	return withJS(c.s.port, 15*time.Second, fn)
}
