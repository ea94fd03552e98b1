package bus

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
)

// Ready reports whether JetStream answers and the consumers of the given
// stages for hosts exist (a worker creates its consumer when it starts), for
// /readyz. Dispatch has one consumer whatever the host.
func (b *Bus) Ready(ctx context.Context, stages []Stage, hosts []string) error {
	if st := b.nc.Status(); st != nats.CONNECTED {
		return fmt.Errorf("nats connection is %s", st)
	}
	if _, err := b.js.AccountInfo(ctx); err != nil {
		return fmt.Errorf("couldn't reach jetstream: %w", err)
	}
	for _, stage := range stages {
		stream, names := StreamJobs, []string{}
		if stage == StageDispatch {
			stream, names = StreamClosed, []string{"dispatcher"}
		} else {
			for _, h := range hosts {
				names = append(names, consumerName(stage, h))
			}
		}
		for _, name := range names {
			if _, err := b.js.Consumer(ctx, stream, name); err != nil {
				return fmt.Errorf("consumer %s is not bound: %w", name, err)
			}
		}
	}
	return nil
}
