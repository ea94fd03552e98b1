package bus

import (
	"context"
	"fmt"
)

// PublishRaw publishes data as it is, with no encoding or checks: for tests
// and tools that must put forged or malformed messages on a subject.
func (b *Bus) PublishRaw(ctx context.Context, subject string, data []byte) error {
	if _, err := b.js.Publish(ctx, subject, data); err != nil {
		return fmt.Errorf("couldn't publish to %s: %w", subject, err)
	}
	return nil
}
