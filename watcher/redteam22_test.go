package watcher

import (
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
)

// Attack on FERRY_CLOSED in memory (session 22, 5b19640): a standalone
// `ferry nats` restarted, or `ferry run` (NATS embedded) killed, loses every
// announcement not yet dispatched; the ledger still says "closed, just
// announced". Before 5b19640 those messages were on disk and survived. The
// watcher's heal pass announces such a file again without waiting for
// stale_after only if the route's queues were empty when the pass began:
//
//   - idle: nothing else of the route queued: announced again at the next
//     rescan (passes);
//   - busy: a copy job of the route still queued (the dispatcher turned
//     the first files into a job before the restart, FERRY_JOBS is on disk;
//     a crawler with a backlog always has one): the lost file waits the whole
//     stale_after (30 minutes by default), every rescan until then skips it.
func TestRedteam22AnnouncementsLostWithTheStreamAreAnnouncedAgain(t *testing.T) {
	for _, busy := range []bool{false, true} {
		name := "idle"
		if busy {
			name = "busy"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(c *Config) { c.StaleAfter = 30 * time.Minute })
			h.write("job/a.warc.gz", "a")
			if seen, _, err := h.w.Scan(t.Context()); err != nil || len(seen) != 1 || !seen[0].Announced {
				t.Fatalf("first scan = %+v, %v; want a.warc.gz announced", seen, err)
			}
			if busy {
				job := bus.Job{ID: "j1", Route: testRoute, Host: "crawler1",
					Files: []bus.File{{Path: "job/other.warc.gz", Size: 1, ModTime: 1}}}
				if err := h.bus.PublishJob(t.Context(), bus.StageCopy, job); err != nil {
					t.Fatal(err)
				}
			}
			// The restart: FERRY_CLOSED and its messages are gone; the
			// dispatcher's consumer (or any publish) makes it again, empty.
			if err := bustest.DeleteStream(t.Context(), h.bus, bus.StreamClosed); err != nil {
				t.Fatal(err)
			}
			if err := h.bus.PublishClosed(t.Context(), bus.Closed{Route: "elsewhere", Host: "x",
				File: bus.File{Path: "x.warc.gz", Size: 1, ModTime: 1}}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(orphanGrace + time.Second) // the record is older than the heal's grace
			for i := range 3 {                    // three rescans: minutes of a default rescan_interval
				seen, _, err := h.w.Scan(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				if len(seen) == 1 && seen[0].Announced {
					return
				}
				t.Logf("rescan %d after the restart: %+v", i+1, seen)
			}
			t.Fatalf("a.warc.gz's announcement was lost with FERRY_CLOSED (memory) and, with a job of the route queued, "+
				"rescans do not announce it again: it waits stale_after (%v) after its first announcement", h.w.cfg.StaleAfter)
		})
	}
}

// Attack on FERRY_CLOSED's bound (session 22): past 256 MiB the stream
// refuses announcements (DiscardNew). A refused announcement must not be
// lost behind a ledger record that says "just announced": the watcher keeps
// it and announces it at its next scan once there is room, without waiting
// for stale_after. (Passes: keepPending and republish.)
func TestRedteam22AnnouncementRefusedByAFullStreamIsRetriedSoon(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.StaleAfter = 30 * time.Minute })
	ctx := t.Context()
	// Other hosts' announcements fill the stream to its bound.
	full := false
	for _, size := range []int{1000 << 10, 16 << 10, 256, 1} { // to the brim
		chunk := make([]byte, size)
		for i := range 400 {
			if err := bustest.PublishRaw(ctx, h.bus, "ferry.closed.other.h"+string(rune('a'+i%26)), chunk); err != nil {
				t.Logf("the stream refused a message of %d bytes: %v", size, err)
				full = true
				break
			}
		}
	}
	if !full {
		t.Fatal("FERRY_CLOSED took 400 MB: no bound")
	}
	h.write("job/a.warc.gz", "a")
	seen, _, err := h.w.Scan(ctx)
	if err == nil || len(seen) != 1 || seen[0].Announced {
		t.Fatalf("scan with the stream full = %+v, %v; want a.warc.gz not announced, and an error", seen, err)
	}
	// Room again (the dispatcher took the others): the next scan announces it.
	if err := bustest.DeleteStream(ctx, h.bus, bus.StreamClosed); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.w.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	// Once by the kept announcement, and maybe once more: its record is older
	// than the stream made again (ledger.Policy.LostBefore). The dispatcher
	// takes a path once per group; a second job of it finds it done.
	n, err := h.bus.RouteBacklog(ctx, testRoute, "crawler1")
	if err != nil || n < 1 || n > 2 {
		t.Fatalf("route backlog after the stream had room = %d, %v; want a.warc.gz's announcement queued", n, err)
	}
}
