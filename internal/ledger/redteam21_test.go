package ledger

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
)

// Red team (session 21, ada36c8): Records, which `ferry status` counts per
// state, lists a path once per version archived. Before ada36c8 the bucket
// held one record a path (the newest), so a file moved twice counted once
// and a new version in flight hid the old one's moved record. Now the
// summary counts the path twice, and `ferry status PATH` prints the oldest
// version first.
func TestRedteam21RecordsListAPathOnceWithItsNewestVersion(t *testing.T) {
	l := newLedger(t).WithHold(time.Second)
	ctx := context.Background()
	v1 := file(1)
	v2 := v1
	v2.Size, v2.ModTime = v1.Size+1, v1.ModTime+1 // rewritten at the same path
	if err := l.Set(ctx, route, "h1", v1, Moved, nil); err != nil {
		t.Fatal(err)
	}
	awaitNoRecord(t, l, 10*time.Second, v1)

	t.Run("new version in flight", func(t *testing.T) {
		if err := l.Set(ctx, route, "h1", v2, Copied, nil); err != nil {
			t.Fatal(err)
		}
		var got []string
		if err := l.Records(ctx, "", func(r *Record) error {
			got = append(got, fmt.Sprintf("%s size %d %s", r.Path, r.Size, r.State))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Errorf("Records = %q; want the path once: its newest version, in flight", got)
		}
	})
	t.Run("moved twice", func(t *testing.T) {
		if err := l.Set(ctx, route, "h1", v2, Moved, nil); err != nil {
			t.Fatal(err)
		}
		awaitNoRecord(t, l, 10*time.Second, v2)
		var got []*Record
		if err := l.Records(ctx, "", func(r *Record) error { got = append(got, r); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Size != v2.Size {
			var s []string
			for _, r := range got {
				s = append(s, fmt.Sprintf("%s size %d %s", r.Path, r.Size, r.State))
			}
			t.Errorf("Records = %q; want the path once, its newest version (size %d): the summary says moved %d for one file",
				s, v2.Size, len(got))
		}
		// Lookup, at least, finds the newest.
		if r, err := l.Lookup(ctx, route, "h1", v1.Path); err != nil || r.Size != v2.Size {
			t.Errorf("Lookup = %+v, %v; want the newest version", r, err)
		}
	})
}

// Red team (session 21, ada36c8): Lookup (the mover's doneMeanwhile, in
// the daemon) reads a shard's subject one direct get at a time, from the
// first message: its cost grows with every file of the route and host
// moved in ledger.keep (1/256 of them, about 20000 a shard for a host
// moving 2 files a second, kept 30 days). Here 2000 others share the
// file's shard; ada36c8 makes one round trip each (2001 direct gets;
// in-process about 80ms, over a network with 1ms round trips 2s, and 10 times
// that at 20000), so under a job's deadline doneMeanwhile's lookup fails and
// a file a duplicate job moved is failed source_missing.
func TestRedteam21LookupDoesNotReadTheWholeShard(t *testing.T) {
	if testing.Short() {
		t.Skip("needs JetStream; skipped under -short")
	}
	t.Parallel()
	b := bustest.Start(t)
	l := New(b.Ledger()).WithHold(time.Second)
	ctx := context.Background()
	f := file(1)
	key := fileKey(route, "h1", f.Path)
	const others = 2000
	vals := make([]bus.Archived, 0, others)
	for i := range others {
		vals = append(vals, bus.Archived{Shard: archiveShard(key), Key: fmt.Sprintf("%s-other-%d", key, i),
			Value: []byte(`{"state":"moved"}`)})
	}
	for len(vals) > 0 {
		n := min(len(vals), 1000)
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := l.kv.Archive(actx, vals[:n])
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		vals = vals[n:]
	}
	if err := l.Set(ctx, route, "h1", f, Moved, nil); err != nil {
		t.Fatal(err)
	}
	awaitNoRecord(t, l, 10*time.Second, f)
	gets := bustest.CountMessages(t, b, "$JS.API.DIRECT.GET."+bus.StreamArchive+".>")
	gets2 := bustest.CountMessages(t, b, "$JS.API.DIRECT.GET."+bus.StreamArchive)
	start := time.Now()
	r, err := l.Lookup(ctx, route, "h1", f.Path)
	took := time.Since(start)
	if err != nil || r.State != Moved {
		t.Fatalf("Lookup: %+v, %v", r, err)
	}
	n := gets() + gets2()
	t.Logf("Lookup with %d other records in the shard: %d direct gets, %s", others, n, took)
	if n > 10 {
		t.Errorf("Lookup of one file made %d direct gets of the archive (%d others in its shard): linear in the files moved in ledger.keep", n, others)
	}
}
