package bus

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// FERRY_DEAD is bounded, and a stream an older ferry made without limits
// gets them at the next start; the oldest letters go first.
func TestIntegrationDeadStreamLimits(t *testing.T) {
	srv := startTestServer(t)
	t.Parallel()
	ctx := context.Background()
	js := rawClient(t, srv)
	old := jetstream.StreamConfig{Name: StreamDead, Subjects: []string{"ferry.dead.>"}, Retention: jetstream.LimitsPolicy,
		Duplicates: 10 * time.Minute, Storage: jetstream.FileStorage, Replicas: 1}
	if _, err := js.CreateStream(ctx, old); err != nil {
		t.Fatal(err)
	}
	connect := func(lim DeadLimits) *Bus {
		t.Helper()
		return connectTest(ctx, t, srv, ConnConfig{Dead: lim})
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
