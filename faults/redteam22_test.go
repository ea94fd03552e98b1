package faults

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Attack on FERRY_CLOSED in memory (session 22, 5b19640), under roles run
// apart: a file announced while the dispatcher is down waits in
// FERRY_CLOSED; `ferry nats` is SIGKILLed and started again, which loses
// the stream and the announcement (kept in memory). The file must still be
// moved soon after the dispatcher is back: made again by it, the stream is
// empty, the route's queues too, and the watcher's next scan announces the
// file again (heal), long before stale_after (10m here). Passes; the same
// loss with a job of the route still queued waits stale_after, see
// watcher/TestRedteam22AnnouncementsLostWithTheStreamAreAnnouncedAgain/busy.
func TestRedteam22AnnouncementLostInANATSRestartIsMovedSoon(t *testing.T) {
	skipShort(t)
	s := newSite(t, siteOptions{staleAfter: "10m"})
	d := newDaemons(t, s)
	d.start(topoRoles)
	if !moveOne(t, s, "before/a.warc.gz", 2*time.Minute) {
		t.Fatal("the first file was not moved")
	}
	d.procs["dispatcher"].Kill()
	delete(d.procs, "dispatcher")
	data := randBytes(8 << 10)
	s.heritrixWrite("lost/l.warc.gz", data)
	err := withJS(s.port, time.Minute, func(ctx context.Context, c jsConn) error {
		for ctx.Err() == nil {
			if n, err := c.Count(ctx, streamClosed, "ferry.closed.>"); err == nil && n > 0 {
				return nil
			}
			time.Sleep(200 * time.Millisecond)
		}
		return fmt.Errorf("l.warc.gz was never announced")
	})
	if err != nil {
		t.Fatal(err)
	}
	d.restart("nats", 2*time.Second)
	_ = withJS(s.port, 10*time.Second, func(ctx context.Context, c jsConn) error {
		n, err := c.Count(ctx, streamClosed, "ferry.closed.>")
		t.Logf("after the restart FERRY_CLOSED holds %d announcements (%v)", n, err)
		return nil
	})
	d.procs["dispatcher"] = s.start("dispatcher")
	start := time.Now()
	deadline := start.Add(90 * time.Second)
	for !movedFile("lost/l.warc.gz", sha(data))(s, nil) {
		if time.Now().After(deadline) {
			t.Fatalf("l.warc.gz, announced before a NATS restart that lost FERRY_CLOSED, not moved %v after the dispatcher came back (stale_after 10m)",
				time.Since(start).Round(time.Second))
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("moved %v after the dispatcher came back", time.Since(start).Round(time.Second))
	for _, name := range roleNames {
		if p := d.procs[name]; !p.Running() {
			t.Errorf("%s exited (code %d)", name, p.ExitCode())
		}
	}
}
