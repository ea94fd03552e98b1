package bus

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// A FERRY_EVENTS stream an older ferry made without atomic batches gets them
// at the next start; a job's events are then stored as one batch, and the
// same events published again (a redelivered job) are not stored twice.
func TestIntegrationMovedEventsBatchAfterUpgrade(t *testing.T) {
	srv := startTestServer(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	js := rawClient(t, srv)
	old := jetstream.StreamConfig{Name: StreamEvents, Subjects: []string{"ferry.events.>"},
		Retention: jetstream.LimitsPolicy, MaxAge: DefaultEventsKeep, Discard: jetstream.DiscardOld,
		Duplicates: 2 * time.Minute, Storage: jetstream.FileStorage, Replicas: 1}
	if _, err := js.CreateStream(ctx, old); err != nil {
		t.Fatal(err)
	}
	b := connectTest(ctx, t, srv, ConnConfig{})
	s, err := js.Stream(ctx, StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	if !s.CachedInfo().Config.AllowAtomicPublish {
		t.Fatal("FERRY_EVENTS made without atomic batches was not upgraded at start-up")
	}
	at := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	var events []MovedEvent
	for _, p := range []string{"a.warc.gz", "b.warc.gz", "c.warc.gz"} {
		events = append(events, MovedEvent{Route: "warcs", Host: "c1", Job: "j1", Path: p, Size: 10, ModTime: 1,
			HashType: "md5", Hash: "0123", SourceDeleted: true, Time: at})
	}
	for range 2 {
		if err := b.PublishMoved(ctx, events); err != nil {
			t.Fatal(err)
		}
	}
	got, err := b.MovedEvents(ctx, "*")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(events) {
		t.Fatalf("%d events stored after publishing %d twice, want %d", len(got), len(events), len(events))
	}
	// Stored as one batch: each message keeps the batch id it came with.
	batch := map[string]int{}
	for seq := uint64(1); seq <= uint64(len(events)); seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		batch[m.Header.Get("Nats-Batch-Id")]++
	}
	if len(batch) != 1 || batch[""] != 0 {
		t.Fatalf("batch ids of the stored events %v, want one batch of %d", batch, len(events))
	}
}
