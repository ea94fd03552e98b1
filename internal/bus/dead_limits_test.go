package bus

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// FERRY_DEAD is bounded, and a stream an older ferry made without limits
// gets them at the next start; the oldest letters go first.
func TestIntegrationDeadStreamLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("needs JetStream; skipped under -short")
	}
	t.Parallel()
	ctx := context.Background()
	srv, err := StartServer(ServerConfig{Name: "test", StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	nc, err := nats.Connect("", nats.InProcessServer(srv))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	old := jetstream.StreamConfig{Name: StreamDead, Subjects: []string{"ferry.dead.>"}, Retention: jetstream.LimitsPolicy,
		Duplicates: 10 * time.Minute, Storage: jetstream.FileStorage, Replicas: 1}
	if _, err := js.CreateStream(ctx, old); err != nil {
		t.Fatal(err)
	}
	connect := func(lim DeadLimits) *Bus {
		t.Helper()
		b, err := Connect(ctx, ConnConfig{Server: srv, Name: t.Name(), Dead: lim}, discard())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Close)
		return b
	}
	limits := func() jetstream.StreamConfig {
		t.Helper()
		s, err := js.Stream(ctx, StreamDead)
		if err != nil {
			t.Fatal(err)
		}
		return s.CachedInfo().Config
	}
	connect(DeadLimits{})
	if c := limits(); c.MaxMsgs != DefaultDeadMaxMsgs || c.MaxBytes != DefaultDeadMaxBytes ||
		c.MaxAge != DefaultDeadMaxAge || c.Discard != jetstream.DiscardOld {
		t.Fatalf("FERRY_DEAD after setup: max msgs %d, bytes %d, age %s, discard %v; want the defaults, discard old",
			c.MaxMsgs, c.MaxBytes, c.MaxAge, c.Discard)
	}
	b := connect(DeadLimits{MaxMsgs: 3})
	if c := limits(); c.MaxMsgs != 3 {
		t.Fatalf("FERRY_DEAD max msgs %d after a start with 3", c.MaxMsgs)
	}
	for i := range 5 {
		if err := b.PublishDead(ctx, StageCopy, DeadLetter{Reason: "invalid", Raw: []byte{byte('a' + i)}}); err != nil {
			t.Fatal(err)
		}
	}
	dls, err := b.DeadLetters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(dls) != 3 || string(dls[0].Raw) != "c" {
		t.Fatalf("%d dead letters kept, the first %q; want the newest 3", len(dls), dls[0].Raw)
	}
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
