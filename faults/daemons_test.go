package faults

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/testkit"
)

// Topologies a site's daemons run in, over the same JetStream store.
const (
	topoRun   = "run"   // `ferry run`: every role and an embedded server in one process
	topoRoles = "roles" // `ferry nats` and one process per role
)

var roleNames = []string{"watcher", "dispatcher", "mover", "verifier"}

// daemons keeps a site's ferry processes running, as systemd would: a
// process that exits on its own is recorded and started again.
type daemons struct {
	t     *testing.T
	s     *site
	topo  string
	procs map[string]*testkit.Proc
	exits map[string]int // unexpected exits, by process and exit code
	// during, if set, says what is going on, to label an exit with.
	during func() string
}

func newDaemons(t *testing.T, s *site) *daemons {
	return &daemons{t: t, s: s, procs: map[string]*testkit.Proc{}, exits: map[string]int{}}
}

// start brings up a topology; nothing may be running.
func (d *daemons) start(topo string) {
	d.t.Helper()
	d.topo = topo
	if topo == topoRun {
		d.procs["run"] = d.s.start("run")
		return
	}
	d.procs["nats"] = d.s.start("nats")
	d.waitNATS()
	for _, r := range roleNames {
		d.procs[r] = d.s.start(r)
	}
}

// waitNATS waits until the site's listener answers: roles started before
// it would fail their first connection.
func (d *daemons) waitNATS() {
	d.t.Helper()
	err := withJS(d.s.port, 90*time.Second, func(context.Context, jsConn) error { return nil })
	if err != nil {
		d.t.Fatalf("nats listener never came up: %v\n%s", err, testkit.TailFile(d.procs["nats"].Log, 20))
	}
}

// killAll SIGKILLs every process.
func (d *daemons) killAll() {
	for name, p := range d.procs {
		p.Kill()
		delete(d.procs, name)
	}
}

// restart SIGKILLs one process and starts it again after pause.
func (d *daemons) restart(name string, pause time.Duration) {
	d.t.Helper()
	if p := d.procs[name]; p != nil {
		p.Kill()
	}
	time.Sleep(pause)
	d.procs[name] = d.s.start(name)
	if name == "nats" {
		d.waitNATS()
	}
}

// names lists the running topology's processes.
func (d *daemons) names() []string { return slices.Sorted(maps.Keys(d.procs)) }

// supervise restarts any process that exited without being killed.
func (d *daemons) supervise() {
	d.t.Helper()
	for _, name := range d.names() {
		p := d.procs[name]
		if p.Running() {
			continue
		}
		code := p.ExitCode()
		label := fmt.Sprintf("%s exit %d", name, code)
		if why := lastError(p.Log); why != "" {
			label += ": " + why
		}
		if d.during != nil {
			label += d.during()
		}
		d.exits[label]++
		d.t.Logf("%s exited on its own (code %d); restarting it. Last log lines:\n%s", name, code, testkit.TailFile(p.Log, 5))
		d.restart(name, time.Second)
	}
}

// holder is the process that runs the verifier in the current topology.
func (d *daemons) verifierProc() string {
	if d.topo == topoRun {
		return "run"
	}
	return "verifier"
}

// lastError is the gist of the error a process exited with: the start of
// its last "ferry: ..." line.
func lastError(log string) string {
	lines := strings.Split(testkit.TailFile(log, 5), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if msg, ok := strings.CutPrefix(lines[i], "ferry: "); ok {
			if len(msg) > 60 {
				msg = msg[:60] + "..."
			}
			return msg
		}
	}
	return ""
}
