package worker

import (
	"context"
	"log/slog"
	"sync/atomic"

	"github.com/ferrydata/ferry/internal/bus"
)

// LiveRoutes are a worker's routes as of now: Reopen swaps in routes opened
// afresh (rotated credentials), while a job keeps the *OpenRoute it took
// at its start, so jobs in flight finish with the credentials they started
// with and new jobs use the new ones.
type LiveRoutes struct {
	cur atomic.Pointer[Routes]
}

// Live holds rs as the current routes.
func Live(rs Routes) *LiveRoutes {
	l := &LiveRoutes{}
	l.cur.Store(&rs)
	return l
}

// Route returns the current route of that name, nil if there is none. A
// job calls it once, at its start, and keeps what it got.
func (l *LiveRoutes) Route(name string) *OpenRoute { return (*l.cur.Load())[name] }

// Load returns the current routes; never modify them.
func (l *LiveRoutes) Load() Routes { return *l.cur.Load() }

// Accept is Routes.Accept on the current routes.
func (l *LiveRoutes) Accept(job bus.Job) error { return l.Load().Accept(job) }

// reopen opens cfg's routes again each time reopen receives, and swaps them
// in; a route that fails to open keeps the old ones (logged), whose
// credentials may still work, rather than leave the worker with none.
func (l *LiveRoutes) reopen(ctx context.Context, stage string, cfg Config, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-cfg.Reopen:
		}
		rs, _, err := OpenRoutes(ctx, cfg.Host, cfg.Routes)
		if err != nil {
			log.Error("couldn't reopen routes with the new rclone config: jobs keep the old one", "stage", stage, "err", err)
			continue
		}
		l.cur.Store(&rs)
		log.Info("routes reopened with the new rclone config", "stage", stage)
	}
}
