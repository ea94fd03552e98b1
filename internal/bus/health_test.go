package bus_test

import (
	"context"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus/bustest"
)

// Alive is what systemd's watchdog is fed on: an open connection answers,
// a closed one must not pass.
func TestIntegrationAlive(t *testing.T) {
	skipShort(t)
	b := bustest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.Alive(ctx); err != nil {
		t.Fatalf("Alive on an open connection: %v", err)
	}
	b.Close()
	if err := b.Alive(ctx); err == nil {
		t.Fatal("Alive passed on a closed connection")
	}
}
