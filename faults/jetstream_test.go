package faults

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/testkit"
)

// moveOne writes a file and waits for it to be moved; it reports whether it
// was within timeout. It gives up early once giveUp says so.
func moveOne(t *testing.T, s *site, rel string, timeout time.Duration, giveUp ...func() bool) bool {
	t.Helper()
	data := randBytes(8 << 10)
	s.heritrixWrite(rel, data)
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, stop := range giveUp {
			if stop() {
				return false
			}
		}
		if movedFile(rel, sha(data))(s, nil) {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// TestRolesSurviveNATSRestart SIGKILLs `ferry nats` under roles run apart and
// starts it again: the roles reconnect, keep running and move new files.
func TestRolesSurviveNATSRestart(t *testing.T) {
	skipShort(t)
	s := newSite(t, siteOptions{})
	d := newDaemons(t, s)
	d.start(topoRoles)
	if !moveOne(t, s, "before/a.warc.gz", 2*time.Minute) {
		t.Fatal("the first file was not moved")
	}
	d.restart("nats", 2*time.Second)
	if !moveOne(t, s, "after/b.warc.gz", 2*time.Minute) {
		t.Error("no file moved after the NATS restart")
	}
	for _, name := range roleNames {
		if p := d.procs[name]; !p.Running() {
			t.Errorf("%s exited when NATS restarted (code %d):\n%s", name, p.ExitCode(), testkit.TailFile(p.Log, 10))
		}
	}
}

// TestDeletedConsumers deletes ferry's durable consumers under running
// daemons, as an operator's mistake or a JetStream mishap would: the daemons
// must keep running and keep moving files; a restart must heal anyway.
func TestDeletedConsumers(t *testing.T) {
	skipShort(t)
	for _, topo := range []string{topoRun, topoRoles} {
		t.Run(topo, func(t *testing.T) {
			s := newSite(t, siteOptions{})
			d := newDaemons(t, s)
			d.start(topo)
			if !moveOne(t, s, "before/a.warc.gz", 2*time.Minute) {
				t.Fatal("the first file was not moved")
			}
			err := withJS(s.port, time.Minute, func(ctx context.Context, js jsConn) error {
				for _, sc := range consumers {
					if err := js.deleteConsumer(ctx, sc[0], sc[1]); err != nil {
						return fmt.Errorf("delete %s: %w", sc[1], err)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			anyExited := func() bool {
				for _, p := range d.procs {
					if !p.Running() {
						return true
					}
				}
				return false
			}
			moved := moveOne(t, s, "after/b.warc.gz", 45*time.Second, anyExited)
			var exited []string
			for _, name := range d.names() {
				if p := d.procs[name]; !p.Running() {
					exited = append(exited, fmt.Sprintf("%s (exit %d)", name, p.ExitCode()))
				}
			}
			if !moved || len(exited) > 0 {
				knownBug(t, fmt.Sprintf("after its consumers were deleted, a file moved: %v; exited: %v. internal/bus "+
					"consume.go never recreates a deleted consumer: Work's workers retry Next forever (\"no responders\"), "+
					"Stream's iterator ends and the dispatcher returns nil, so the process exits 0, "+
					"which systemd's Restart=on-failure does not restart", moved, strings.Join(exited, ", ")))
			}
			// Whatever happened, a restart heals.
			d.killAll()
			d.start(topo)
			if !moveOne(t, s, "restarted/c.warc.gz", 2*time.Minute) {
				t.Error("no file moved after a restart")
			}
		})
	}
}
