package bus_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
)

func stageStat(t *testing.T, b *bus.Bus, stage bus.Stage, route string) bus.BacklogStat {
	t.Helper()
	stats, err := b.StageBacklog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stats {
		if s.Stage == stage && s.Route == route {
			return s
		}
	}
	return bus.BacklogStat{Stage: stage, Route: route}
}

// The backlog is split by stage and route, and a job a worker holds counts
// as unacked, not pending; the oldest waiting file is found at any stage.
func TestIntegrationStageBacklogAndOldest(t *testing.T) {
	skipShort(t)
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := bustest.Start(t)
	logs := validClosed()
	logs.Route, logs.File.ModTime = "logs", time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC).UnixNano()
	if err := b.PublishClosed(ctx, logs); err != nil {
		t.Fatal(err)
	}
	oldest := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for i, id := range []string{"20261124T093000-000000000001", "20261124T093000-000000000002", "20261124T093000-000000000003"} {
		j := validJob()
		j.ID = id
		j.Files = j.Files[:1]
		j.Files[0].ModTime = oldest.Add(time.Duration(i) * time.Hour).UnixNano()
		if err := b.PublishJob(ctx, bus.StageCopy, j); err != nil {
			t.Fatal(err)
		}
	}
	if got := stageStat(t, b, bus.StageCopy, "warcs"); got.Pending != 3 || got.Unacked != 0 {
		t.Fatalf("copy/warcs before any delivery = %+v, want 3 pending", got)
	}
	if got := stageStat(t, b, bus.StageDispatch, "logs"); got.Pending != 1 {
		t.Fatalf("dispatch/logs = %+v, want 1 pending", got)
	}
	old, err := b.OldestWaiting(ctx, []string{"warcs", "logs", "idle"})
	if err != nil {
		t.Fatal(err)
	}
	if !old["warcs"].Equal(oldest) || !old["logs"].Equal(time.Unix(0, logs.File.ModTime)) || !old["idle"].IsZero() {
		t.Fatalf("OldestWaiting = %v", old)
	}

	host := validJob().Host
	if err := b.Ready(ctx, []bus.Stage{bus.StageCopy}, []string{host}); err == nil {
		t.Fatal("ready before the copy consumer exists")
	}
	cc := bus.ConsumerConfig{Stage: bus.StageCopy, Host: host, AckWait: time.Minute, MaxAckPending: 10}
	handled := 0
	err = b.Work(ctx, cc, 1, func(ctx context.Context, d *bus.Delivery) {
		handled++
		if handled == 1 {
			if got := stageStat(t, b, bus.StageCopy, "warcs"); got.Pending != 2 || got.Unacked != 1 {
				t.Errorf("copy/warcs with one job held = %+v, want 2 pending, 1 unacked", got)
			}
			if err := b.Ready(ctx, []bus.Stage{bus.StageCopy}, []string{host}); err != nil {
				t.Errorf("not ready with the consumer bound: %v", err)
			}
		}
		if err := d.Ack(ctx); err != nil {
			t.Error(err)
		}
		if handled == 3 {
			cancel()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := stageStat(t, b, bus.StageCopy, "warcs"); got.Pending != 0 || got.Unacked != 0 {
		t.Errorf("copy/warcs after the acks = %+v, want empty", got)
	}
}

// Arrival events are stored per route, read back whole, and a repeat of
// one (a redelivered job) is dropped.
func TestIntegrationMovedEvents(t *testing.T) {
	skipShort(t)
	t.Parallel()
	ctx := context.Background()
	b := bustest.Start(t)
	at := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	events := []bus.MovedEvent{
		{Route: "warcs", Host: "c1", Job: "j1", Path: "a.warc.gz", Destination: "s3:bucket/a.warc.gz", Size: 10,
			ModTime: 1, HashType: "md5", Hash: "0123", SourceDeleted: true, Time: at},
		{Route: "logs", Host: "c1", Job: "j2", Path: "crawl.log.cp00001", Destination: "/dst/crawl.log.cp00001",
			Size: 5, ModTime: 2, HashType: "sha256", Hash: "abcd", Time: at},
	}
	for range 2 {
		if err := b.PublishMoved(ctx, events); err != nil {
			t.Fatal(err)
		}
	}
	all, err := b.MovedEvents(ctx, "*")
	if err != nil {
		t.Fatal(err)
	}
	for i := range events {
		events[i].V = bus.Version
	}
	if !slices.EqualFunc(all, events, func(a, b bus.MovedEvent) bool { return a == b }) {
		t.Fatalf("events read back:\n%+v\nwant\n%+v", all, events)
	}
	warcs, err := b.MovedEvents(ctx, "warcs")
	if err != nil || len(warcs) != 1 || warcs[0].Path != "a.warc.gz" {
		t.Fatalf("warcs events = %+v, %v", warcs, err)
	}
}
