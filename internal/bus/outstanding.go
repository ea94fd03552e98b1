package bus

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Load is what one stage's consumer for one host holds right now.
type Load struct {
	Queued  int // jobs not yet delivered to a worker
	Running int // delivered, not yet acknowledged
	Waiting int // pull requests of idle workers waiting for a job
}

// Outstanding reads the load of a job stage's consumer for host (HostAny for
// shared jobs) in one info request. A consumer not created yet has no
// worker and no job: its load is zero. Read-only.
func (b *Bus) Outstanding(ctx context.Context, stage Stage, host string) (Load, error) {
	name := consumerName(stage, host)
	cons, err := b.js.Consumer(ctx, StreamJobs, name)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return Load{}, nil
	}
	if err != nil {
		return Load{}, fmt.Errorf("couldn't read consumer %s: %w", name, err)
	}
	info := cons.CachedInfo() // fetched by Consumer just now
	return Load{Queued: int(info.NumPending), Running: info.NumAckPending, Waiting: info.NumWaiting}, nil
}
