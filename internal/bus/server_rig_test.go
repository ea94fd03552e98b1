package bus

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ferrydata/ferry/internal/testkit"
)

// The tests of this package that meet what an older ferry or an operator
// left behind start a server of their own, put that on it with a raw client,
// then connect ferry to it.

// startTestServer skips under -short, else runs an embedded JetStream
// server in a temp dir until the test ends.
func startTestServer(t *testing.T) *Server {
	t.Helper()
	testkit.SkipShort(t, "needs JetStream; skipped under -short")
	srv, err := StartServer(ServerConfig{Name: "test", StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return srv
}

// rawClient is a plain JetStream client of srv, closed when the test ends.
func rawClient(t *testing.T, srv *Server) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect("", nats.InProcessServer(srv))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// connectTest connects ferry to srv with cfg (its Server and Name set here),
// closed when the test ends.
func connectTest(ctx context.Context, t *testing.T, srv *Server, cfg ConnConfig) *Bus {
	t.Helper()
	cfg.Server, cfg.Name = srv, t.Name()
	b, err := Connect(ctx, cfg, discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
