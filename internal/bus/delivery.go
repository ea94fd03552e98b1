package bus

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Delivery is one message handed to a worker; it must end in exactly one of
// Ack, Retry or Term.
type Delivery struct{ msg jetstream.Msg }

// Data is the message body.
func (d *Delivery) Data() []byte { return d.msg.Data() }

// Subject is where the message was published.
func (d *Delivery) Subject() string { return d.msg.Subject() }

// Seq is the message's stream sequence, 0 if unknown.
func (d *Delivery) Seq() uint64 {
	if md, err := d.msg.Metadata(); err == nil {
		return md.Sequence.Stream
	}
	return 0
}

// Delivered counts deliveries, crashes included: for logs and for skipping
// cleanup a first delivery cannot need, never for a decision about files.
func (d *Delivery) Delivered() uint64 {
	if md, err := d.msg.Metadata(); err == nil {
		return md.NumDelivered
	}
	return 0
}

// Ack confirms the message was handled and waits for the server to agree.
func (d *Delivery) Ack(ctx context.Context) error { return d.msg.DoubleAck(ctx) }

// AckNoWait confirms without waiting for the server. For per-file events whose
// redelivery would only cost a duplicate, idempotent job.
func (d *Delivery) AckNoWait() error { return d.msg.Ack() }

// Retry hands the message back to be delivered again after delay.
func (d *Delivery) Retry(delay time.Duration) error { return d.msg.NakWithDelay(delay) }

// Term drops the message for good; publish its dead letter first.
func (d *Delivery) Term(reason string) error { return d.msg.TermWithReason(reason) }

// InProgress resets the ack-wait timer.
func (d *Delivery) InProgress() error { return d.msg.InProgress() }
