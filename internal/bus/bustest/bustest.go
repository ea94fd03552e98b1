// Package bustest starts a real embedded JetStream server for tests, and
// puts raw bytes on it: what a forger, a broken client or an older ferry
// would publish. Production code never publishes unchecked bytes, so that
// door lives here, not in bus.
package bustest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ferrydata/ferry/internal/bus"
)

// servers maps each bus Start made to its server, for PublishRaw.
var servers sync.Map // *bus.Bus → *bus.Server

// Start runs an embedded JetStream server in a temp dir and connects to it.
// Both are stopped when the test ends.
func Start(tb testing.TB) *bus.Bus {
	tb.Helper()
	srv, err := bus.StartServer(bus.ServerConfig{Name: "test", StoreDir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(srv.Stop)
	b, err := bus.Connect(context.Background(), bus.ConnConfig{Server: srv, Name: tb.Name()}, Logger(tb))
	if err != nil {
		tb.Fatal(err)
	}
	servers.Store(b, srv)
	tb.Cleanup(func() {
		servers.Delete(b)
		b.Close()
	})
	return b
}

// PublishRaw publishes data as it is, with no encoding or checks, on the
// server of b, a bus Start made.
func PublishRaw(ctx context.Context, b *bus.Bus, subject string, data []byte) error {
	return withJetStream(b, func(js jetstream.JetStream) error {
		if _, err := js.Publish(ctx, subject, data); err != nil {
			return fmt.Errorf("couldn't publish to %s: %w", subject, err)
		}
		return nil
	})
}

// DeleteStream deletes one of ferry's streams on the server of b, a bus
// Start made: what an operator's mistake or an older deployment leaves.
func DeleteStream(ctx context.Context, b *bus.Bus, name string) error {
	return withJetStream(b, func(js jetstream.JetStream) error {
		if err := js.DeleteStream(ctx, name); err != nil {
			return fmt.Errorf("couldn't delete stream %s: %w", name, err)
		}
		return nil
	})
}

// withJetStream runs fn on a connection of its own to b's server.
func withJetStream(b *bus.Bus, fn func(jetstream.JetStream) error) error {
	srv, ok := servers.Load(b)
	if !ok {
		return fmt.Errorf("the bus was not made by bustest.Start")
	}
	nc, err := nats.Connect("", nats.InProcessServer(srv.(*bus.Server)))
	if err != nil {
		return fmt.Errorf("couldn't connect: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	return fn(js)
}

// Logger discards logs unless the test runs verbose.
func Logger(tb testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(tWriter{tb}, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type tWriter struct{ tb testing.TB }

func (w tWriter) Write(p []byte) (int, error) { w.tb.Log(string(p)); return len(p), nil }

// CountMessages counts, until the test ends, the messages published on
// subject (a pattern) on the server of b, a bus Start made: a second
// subscriber beside the server's own sees each request, e.g. each direct
// get of a stream ("$JS.API.DIRECT.GET.<stream>.>" and the stream's name).
func CountMessages(tb testing.TB, b *bus.Bus, subject string) func() int64 {
	tb.Helper()
	srv, ok := servers.Load(b)
	if !ok {
		tb.Fatal("the bus was not made by bustest.Start")
	}
	nc, err := nats.Connect("", nats.InProcessServer(srv.(*bus.Server)))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	var n atomic.Int64
	if _, err := nc.Subscribe(subject, func(*nats.Msg) { n.Add(1) }); err != nil {
		tb.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		tb.Fatal(err)
	}
	return n.Load
}
