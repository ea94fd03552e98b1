package faults

import (
	"maps"
	"slices"
	"time"
)

// Fault kinds, as counted in the figures.
const (
	faultKillRun        = "kill_run"        // SIGKILL `ferry run`, restart it
	faultKillRole       = "kill_role"       // SIGKILL one role process, restart it
	faultKillNATS       = "kill_nats"       // SIGKILL `ferry nats`, restart it
	faultSwitch         = "switch_topology" // SIGKILL everything, start the other topology
	faultDestOutage     = "dest_unreachable"
	faultDestFull       = "dest_full"
	faultCorrupt        = "corrupt_copy"   // flip a byte of a copy not yet verified, keep size and mtime
	faultRewrite        = "rewrite_source" // rewrite a closed source, maybe after its copy
	faultPurgeJobs      = "purge_jobs"
	faultPurgeClosed    = "purge_closed"
	faultDeleteConsumer = "delete_consumer"
	faultDeleteLedger   = "delete_ledger"
	faultClockJump      = "clock_jump"
	faultSwap           = "swap_file"     // rename another file over a copied source, the verifier frozen
	faultSecondWriter   = "second_writer" // another host's bytes at a destination path ferry is about to write
)

// faultKind is one kind of fault, its weight in the draw, and the topology
// it needs ("" for any).
type faultKind struct {
	name   string
	weight int
	topo   string
	inject func(c *campaign) bool // false: nothing to do now, draw again
}

var faultKinds = []faultKind{
	{faultKillRun, 5, topoRun, (*campaign).killRun},
	{faultKillRole, 5, topoRoles, (*campaign).killRole},
	{faultKillNATS, 2, topoRoles, (*campaign).killNATS},
	{faultSwitch, 1, "", (*campaign).switchTopology},
	{faultDestOutage, 2, "", (*campaign).destOutage},
	{faultDestFull, 2, "", (*campaign).destFull},
	// Both want copies waiting for verification: roles run apart have them
	// while the verifier is down and the mover goes on.
	{faultCorrupt, 2, topoRoles, (*campaign).corrupt},
	{faultRewrite, 2, topoRoles, (*campaign).rewrite},
	{faultPurgeJobs, 1, "", (*campaign).purgeJobs},
	{faultPurgeClosed, 1, "", (*campaign).purgeClosed},
	{faultDeleteConsumer, 1, "", (*campaign).deleteConsumer},
	{faultDeleteLedger, 1, "", (*campaign).deleteLedger},
	{faultClockJump, 2, "", (*campaign).clockJump},
	{faultSwap, 2, "", (*campaign).swap},
	{faultSecondWriter, 2, "", (*campaign).secondWriter},
}

// heal is a fault's end, or a look at what it did, due at a moment.
type heal struct {
	at    time.Time
	do    func()
	check bool // only a look: dropped when the campaign ends early
}

// draw picks the next fault, leaving out the kinds in skip (unavailable
// here, or found with nothing to do just now): every kind once first, in
// random order, then by weight.
func (c *campaign) draw(skip map[string]bool) (faultKind, bool) {
	var fresh, cands []faultKind
	total := 0
	for _, k := range faultKinds {
		if skip[k.name] {
			continue
		}
		if c.faults[k.name] == 0 {
			fresh = append(fresh, k)
		}
		cands = append(cands, k)
		total += k.weight
	}
	if len(fresh) > 0 {
		return fresh[c.rng.IntN(len(fresh))], true
	}
	if total == 0 {
		return faultKind{}, false
	}
	n := c.rng.IntN(total)
	for _, k := range cands {
		if n -= k.weight; n < 0 {
			return k, true
		}
	}
	return cands[0], true
}

// injectOne draws faults until one applies, switching topology first when
// the drawn kind needs the other one.
func (c *campaign) injectOne() {
	skip := maps.Clone(c.unavailable)
	for range 20 {
		k, ok := c.draw(skip)
		if !ok {
			return
		}
		if k.topo != "" && k.topo != c.d.topo {
			if c.faults[k.name] > 0 && c.rng.IntN(4) != 0 {
				continue // mostly stay in the topology and draw again
			}
			c.switchTopology()
			c.count(faultSwitch)
		}
		if k.inject(c) {
			c.count(k.name)
			return
		}
		skip[k.name] = true
	}
}

func (c *campaign) count(kind string) {
	c.faults[kind]++
	c.logf("fault %d: %s", c.total(), kind)
}

func (c *campaign) total() int {
	n := 0
	for _, v := range c.faults {
		n += v
	}
	return n
}

func (c *campaign) pause(max time.Duration) time.Duration {
	return time.Duration(c.rng.Int64N(int64(max) + 1))
}

// wait lets d pass while keeping the daemons running and healing faults.
func (c *campaign) wait(d time.Duration) {
	c.waitUntil(d, func() bool { return false })
}

// waitUntil polls cond, keeping the daemons running and healing faults,
// until it holds (true) or timeout passes (false).
func (c *campaign) waitUntil(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		c.d.supervise()
		c.runHeals(false)
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// later schedules a heal.
func (c *campaign) later(d time.Duration, do func()) {
	c.heals = append(c.heals, heal{at: time.Now().Add(d), do: do})
}

// lookLater schedules a look at what a fault did.
func (c *campaign) lookLater(d time.Duration, do func()) {
	c.heals = append(c.heals, heal{at: time.Now().Add(d), do: do, check: true})
}

// runHeals runs the heals that are due, or all of them (looks are dropped).
func (c *campaign) runHeals(all bool) {
	now := time.Now()
	var left []heal
	for _, h := range c.heals {
		switch {
		case all && h.check:
		case all || now.After(h.at):
			h.do()
		default:
			left = append(left, h)
		}
	}
	c.heals = slices.Clip(left)
}
