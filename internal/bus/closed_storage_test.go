package bus

import (
	"context"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/testkit"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
)

// storageOf is the storage of stream name on srv.
func storageOf(ctx context.Context, t *testing.T, srv *Server, name string) jetstream.StorageType {
	t.Helper()
	s, err := rawClient(t, srv).Stream(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return s.CachedInfo().Config.Storage
}

// Announcements are a hint a rescan rebuilds, so they are kept in memory:
// no fsync'd write (or ack) per file. Jobs, dead letters and the ledger
// stay on disk.
func TestIntegrationAnnouncementsAreKeptInMemory(t *testing.T) {
	srv := startTestServer(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	connectTest(ctx, t, srv, ConnConfig{})
	if got := storageOf(ctx, t, srv, StreamClosed); got != jetstream.MemoryStorage {
		t.Errorf("%s storage = %s, want memory", StreamClosed, got)
	}
	for _, name := range []string{StreamJobs, StreamDead, "KV_" + LedgerBucket} {
		if got := storageOf(ctx, t, srv, name); got != jetstream.FileStorage {
			t.Errorf("%s storage = %s, want file", name, got)
		}
	}
}

// A FERRY_CLOSED an older ferry made on disk keeps its storage (it cannot
// change in place) and its messages: set-up succeeds and they are still
// delivered.
func TestIntegrationAnnouncementsOnDiskStayOnDisk(t *testing.T) {
	srv := startTestServer(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	js := rawClient(t, srv)
	_, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: StreamClosed, Subjects: []string{"ferry.closed.>"},
		Retention: jetstream.WorkQueuePolicy, Duplicates: 2 * time.Minute, Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, ClosedSubject("warcs", "c1"), []byte(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	connectTest(ctx, t, srv, ConnConfig{})
	if got := storageOf(ctx, t, srv, StreamClosed); got != jetstream.FileStorage {
		t.Errorf("%s storage = %s, want file as it was made", StreamClosed, got)
	}
	if n, err := rawClient(t, srv).Stream(ctx, StreamClosed); err != nil || n.CachedInfo().State.Msgs != 1 {
		t.Errorf("the stream's message is gone after set-up: %v", err)
	}
}

// A server with no room in memory (a cluster's small max_memory_store)
// gets FERRY_CLOSED on disk, and ferry runs.
func TestIntegrationAnnouncementsOnDiskWithoutMemory(t *testing.T) {
	testkit.SkipShort(t, "needs JetStream; skipped under -short")
	t.Parallel()
	ns, err := server.NewServer(&server.Options{JetStream: true, StoreDir: t.TempDir(), DontListen: true,
		NoSigs: true, NoLog: true, JetStreamMaxMemory: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	srv := &Server{ns}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b := connectTest(ctx, t, srv, ConnConfig{})
	if got := storageOf(ctx, t, srv, StreamClosed); got != jetstream.FileStorage {
		t.Errorf("%s storage = %s, want file on a server without memory", StreamClosed, got)
	}
	if err := b.PublishClosed(ctx, Closed{Route: "warcs", Host: "c1", File: File{Path: "a.warc.gz", Size: 1, ModTime: 1}}); err != nil {
		t.Errorf("announcing on the stream on disk: %v", err)
	}
}

// FERRY_CLOSED gone under running daemons (a NATS server outside a cluster
// restarted: it keeps no memory stream) is made again: by the publisher
// of the next announcement, and by the dispatcher's consumer, which then
// receives what is announced.
func TestIntegrationAnnouncementsStreamIsMadeAgain(t *testing.T) {
	srv := startTestServer(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b := connectTest(ctx, t, srv, ConnConfig{})
	announce := func(path string) {
		t.Helper()
		if err := b.PublishClosed(ctx, Closed{Route: "warcs", Host: "c1", File: File{Path: path, Size: 1, ModTime: 1}}); err != nil {
			t.Fatalf("announcing %s: %v", path, err)
		}
	}
	receive := func(in <-chan *Delivery, path string) {
		t.Helper()
		select {
		case d := <-in:
			c, err := DecodeClosed(d.Data())
			if err != nil || c.File.Path != path {
				t.Fatalf("received %+v, %v; want %s", c, err, path)
			}
			if err := d.Ack(ctx); err != nil {
				t.Fatal(err)
			}
		case <-ctx.Done():
			t.Fatalf("%s was not delivered", path)
		}
	}
	js := rawClient(t, srv)

	// The publisher first: the stream is gone, the next announcement makes it.
	if err := js.DeleteStream(ctx, StreamClosed); err != nil {
		t.Fatal(err)
	}
	announce("a.warc.gz")
	in, err := b.Stream(ctx, ConsumerConfig{Stage: StageDispatch, AckWait: 10 * time.Second, MaxAckPending: 10})
	if err != nil {
		t.Fatal(err)
	}
	receive(in, "a.warc.gz")

	// Then the consumer: gone under it, the stream is made again by it.
	if err := js.DeleteStream(ctx, StreamClosed); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 30*time.Second, "the dispatcher's consumer to make the stream again", func() bool {
		_, err := js.Stream(ctx, StreamClosed)
		return err == nil
	})
	announce("b.warc.gz")
	receive(in, "b.warc.gz")
}
