package worker

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// A reopen swaps in new routes for the jobs that start next; a job holding
// the route it took at its start keeps that route and its destination,
// which still work.
func TestReopenKeepsTheRouteAJobHolds(t *testing.T) {
	transfertest.Init(t)
	cfg := Config{Host: "h1", Routes: []Route{{Name: "r", Host: "h1", Source: t.TempDir(), Destination: t.TempDir(),
		Hash: transfer.MD5, Include: []string{"*"}}}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rs, _, err := OpenRoutes(ctx, cfg.Host, cfg.Routes)
	if err != nil {
		t.Fatal(err)
	}
	live := Live(rs)
	reopen := make(chan struct{})
	cfg.Reopen = reopen
	go live.reopen(ctx, "copy", cfg, slog.New(slog.DiscardHandler))

	inFlight := live.Route("r")
	reopen <- struct{}{}
	deadline := time.Now().Add(10 * time.Second)
	for live.Route("r") == inFlight {
		if time.Now().After(deadline) {
			t.Fatal("the routes were not reopened")
		}
		time.Sleep(10 * time.Millisecond)
	}
	next := live.Route("r")
	if next.Dst == inFlight.Dst || next.Src == inFlight.Src {
		t.Fatal("the new route shares the in-flight job's source or destination")
	}
	if _, _, err := inFlight.Dst.Stat(ctx, "x"); err != nil {
		t.Fatalf("the in-flight job's destination broke: %v", err)
	}
	if inFlight.rules == nil || next.rules == nil {
		t.Fatal("a route was not compiled")
	}
}
