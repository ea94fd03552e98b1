package nats

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ferrydata/ferry/internal/bus"
)

// Attack on FERRY_CLOSED in memory (session 22, 5b19640) under
// authorization.conf: "a FERRY_CLOSED made on disk by an older ferry stays
// on disk". A crawler host upgraded before the dispatcher finds the older
// ferry's stream: its storage is kept, but its limits (no max_bytes,
// discard old) are not 5b19640's (256 MiB, discard new), so the crawler's
// set-up asks to update the stream, which its user may not: the request
// goes unanswered, set-up retries it for a minute and the daemon does not
// start. (The other order fails the same way the other side round: an older
// crawler restarted after the dispatcher's upgrade finds limits it does not
// know.)
func TestRedteam22UpgradedCrawlerStartsOnAnOlderFerrysAnnouncementsOnDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	pw := map[string]string{"admin": "a", "dispatcher": "d", "crawler01": "c1", "crawler02": "c2"}
	for user, p := range pw {
		t.Setenv("FERRY_"+strings.ToUpper(user)+"_PASSWORD", p)
	}
	path := filepath.Join(t.TempDir(), "authorization.conf")
	if err := os.WriteFile(path, []byte(shippedAuthorization(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	opts.JetStream, opts.StoreDir, opts.DontListen, opts.NoSigs, opts.NoLog = true, t.TempDir(), true, true, true
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats not ready")
	}
	t.Cleanup(s.Shutdown)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	connect := func(ctx context.Context, user string) (*bus.Bus, error) {
		b, err := bus.Connect(ctx, bus.ConnConfig{Server: &bus.Server{Server: s}, Name: user, User: user, Password: pw[user]}, log)
		if err == nil {
			t.Cleanup(b.Close)
		}
		return b, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := connect(ctx, "dispatcher"); err != nil { // the other streams and the bucket
		t.Fatal(err)
	}

	// FERRY_CLOSED as the older ferry (057f8a2) made it, with its backlog.
	nc, err := natsgo.Connect("", natsgo.InProcessServer(s), natsgo.UserInfo("admin", "a"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := js.DeleteStream(ctx, bus.StreamClosed); err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: bus.StreamClosed, Subjects: []string{"ferry.closed.>"},
		Retention: jetstream.WorkQueuePolicy, Duplicates: 2 * time.Minute, AllowAtomicPublish: true,
		Storage: jetstream.FileStorage, Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, bus.ClosedSubject("warcs", "crawler01"), []byte(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	if _, err := connect(ctx, "crawler01"); err != nil {
		t.Fatalf("crawler01 upgraded before the dispatcher does not start on the older ferry's FERRY_CLOSED (on disk, "+
			"no max_bytes) after %v: %v", time.Since(start).Round(time.Second), err)
	}
}
