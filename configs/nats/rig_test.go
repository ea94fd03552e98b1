package nats

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/ledger"
)

// authServer runs JetStream under conf (an authorization file's text) and
// connects user to it.
func authServer(t *testing.T, conf string) func(user string) *bus.Bus {
	t.Helper()
	pw := map[string]string{"admin": "a", "dispatcher": "d", "crawler01": "c1", "crawler02": "c2"}
	for user, p := range pw {
		t.Setenv("FERRY_"+strings.ToUpper(user)+"_PASSWORD", p)
	}
	path := filepath.Join(t.TempDir(), "authorization.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
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
	return func(user string) *bus.Bus {
		t.Helper()
		b, err := bus.Connect(context.Background(), bus.ConnConfig{Server: &bus.Server{Server: s}, Name: user,
			User: user, Password: pw[user]}, log)
		if err != nil {
			t.Fatalf("connect as %s: %v", user, err)
		}
		t.Cleanup(b.Close)
		return b
	}
}

// shippedAuthorization is authorization.conf as this directory ships it.
func shippedAuthorization(t *testing.T) string {
	t.Helper()
	conf, err := os.ReadFile("authorization.conf")
	if err != nil {
		t.Fatal(err)
	}
	return string(conf)
}

// awaitLeftBucket waits until the moved record of path (route warcs) has
// left the ledger bucket: its hold (a second in these tests) passed after
// it was archived.
func awaitLeftBucket(t *testing.T, l *ledger.Ledger, host, path string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, _, err := l.Get(ctx, "warcs", host, path)
		cancel()
		if errors.Is(err, ledger.ErrNoRecord) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's moved record is still in the bucket 10s after a hold of 1s: not archived (%v)", path, err)
		}
	}
}
