// Package bustest starts a real embedded JetStream server for tests.
package bustest

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/ferrydata/ferry/internal/bus"
)

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
	tb.Cleanup(b.Close)
	return b
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
