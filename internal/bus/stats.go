package bus

import (
	"context"
	"fmt"
)

// ConsumerStat is one consumer's backlog, for metrics.
type ConsumerStat struct {
	Name        string
	Pending     uint64 // not yet delivered
	AckPending  int    // delivered, not yet acknowledged
	Redelivered int    // delivered more than once and not yet acknowledged
}

// ConsumerStats reports every ferry consumer's backlog.
func (b *Bus) ConsumerStats(ctx context.Context) ([]ConsumerStat, error) {
	var out []ConsumerStat
	for _, name := range []string{StreamClosed, StreamJobs} {
		stream, err := b.js.Stream(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("couldn't open stream %s: %w", name, err)
		}
		list := stream.ListConsumers(ctx)
		for info := range list.Info() {
			out = append(out, ConsumerStat{Name: info.Name, Pending: info.NumPending,
				AckPending: info.NumAckPending, Redelivered: info.NumRedelivered})
		}
		if err := list.Err(); err != nil {
			return nil, fmt.Errorf("couldn't list consumers of %s: %w", name, err)
		}
	}
	return out, nil
}
