package bus_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
)

// A batch whose commit gets no answer (the server went away after the
// commit was sent, or the answer was lost) must fail within a bound even
// when the caller's context has no deadline, as one write does (the
// JetStream client's default timeout): the watcher's scan calls WriteAll
// with its run context, and an answer that never comes must not stop
// every later scan.
func TestIntegrationWriteAllEndsWithoutAnswer(t *testing.T) {
	skipShort(t)
	ctx := context.Background()
	srv, err := bus.StartServer(bus.ServerConfig{Name: "test", StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bus.Connect(ctx, bus.ConnConfig{Server: srv, Name: t.Name()}, bustest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	kv := b.Ledger()
	srv.Stop()
	for _, n := range []int{1, 2} {
		writes := []bus.Write{{Key: "file.r.h.a", Value: []byte("a")}, {Key: "file.r.h.b", Value: []byte("b")}}[:n]
		done := make(chan error, 1)
		start := time.Now()
		go func() {
			_, err := kv.WriteAll(ctx, writes)
			done <- err
		}()
		select {
		case err := <-done:
			t.Logf("WriteAll of %d with the server gone = %v after %s", n, err, time.Since(start).Round(time.Millisecond))
			if err == nil || errors.Is(err, bus.ErrKeyTaken) {
				t.Errorf("WriteAll of %d with the server gone = %v, want an error", n, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("WriteAll of %d still waiting 30s after the server went away", n)
		}
	}
	// The scan's events go the same way: the batch, then one by one.
	events := []bus.Closed{{Route: "r", Host: "h", File: bus.File{Path: "a", Size: 1, ModTime: 1}, Announced: 1},
		{Route: "r", Host: "h", File: bus.File{Path: "b", Size: 1, ModTime: 1}, Announced: 1}}
	done := make(chan error, 1)
	go func() { done <- b.PublishClosedAll(ctx, events) }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("PublishClosedAll with the server gone = nil, want an error")
		}
	case <-time.After(40 * time.Second):
		t.Fatal("PublishClosedAll still waiting 40s after the server went away")
	}
}
