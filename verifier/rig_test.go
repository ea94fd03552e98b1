package verifier

import (
	"context"
	"log/slog"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/metrics"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/worker"
)

// verifyOne runs one verification of f, from src to dst, on a route that
// deletes sources, as the verify job the mover sends after copying f.
func verifyOne(ctx context.Context, src transfer.Source, dst *transfer.Destination, f bus.File) error {
	r := &worker.OpenRoute{Route: worker.Route{Name: "r", Hash: transfer.MD5, DeleteSource: true}, Src: src, Dst: dst}
	v := &Verifier{deps: worker.Deps{Log: slog.New(slog.DiscardHandler), Metrics: metrics.New()}}
	_, err := v.verifyFile(ctx, r, bus.Job{Route: "r"}, f, &transfer.Progress{})
	return err
}
