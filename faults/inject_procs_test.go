package faults

import (
	"time"
)

func (c *campaign) killRun() bool {
	c.d.restart("run", c.pause(time.Second))
	return true
}

func (c *campaign) killRole() bool {
	c.d.restart(roleNames[c.rng.IntN(len(roleNames))], c.pause(time.Second))
	return true
}

func (c *campaign) killNATS() bool {
	c.d.restart("nats", c.pause(2*time.Second))
	return true
}

func (c *campaign) switchTopology() bool {
	c.d.killAll()
	next := topoRoles
	if c.d.topo == topoRoles {
		next = topoRun
	}
	c.d.start(next)
	return true
}

// stopVerifier SIGKILLs whatever runs the verifier, so no verification is
// in flight while a fault changes bytes under it, and returns the restart.
func (c *campaign) stopVerifier() func() {
	name := c.d.verifierProc()
	c.d.procs[name].Kill()
	delete(c.d.procs, name) // down on purpose: not the supervisor's to restart
	if name == "verifier" {
		c.wait(c.pause(3 * time.Second)) // the mover goes on copying meanwhile
	}
	return func() { c.d.restart(name, 0) }
}
