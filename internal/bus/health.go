package bus

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
)

// Alive fails only when this process's connection is itself broken: closed,
// or connected but not answering a PING within ctx. While the client is
// reconnecting it is doing what it should (the outage is the cluster's, and
// a restart would not end it), so that counts as alive. systemd's watchdog
// restarts ferry on this verdict (cmd/ferry/notify.go).
func (b *Bus) Alive(ctx context.Context) error {
	switch st := b.nc.Status(); st {
	case nats.RECONNECTING, nats.CONNECTING:
		return nil
	case nats.CONNECTED:
		if err := b.nc.FlushWithContext(ctx); err != nil {
			return fmt.Errorf("couldn't ping nats: %w", err)
		}
		return nil
	default:
		return fmt.Errorf("couldn't use nats: connection %s", st)
	}
}
