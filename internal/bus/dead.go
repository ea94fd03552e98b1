package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// StoredDeadLetter is a dead letter with its place in the stream.
type StoredDeadLetter struct {
	Seq uint64
	DeadLetter
}

// DeadLetters returns every dead letter, oldest first.
func (b *Bus) DeadLetters(ctx context.Context) ([]StoredDeadLetter, error) {
	stream, err := b.js.Stream(ctx, StreamDead)
	if err != nil {
		return nil, fmt.Errorf("couldn't open dead letters: %w", err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("couldn't read dead letters: %w", err)
	}
	if info.State.Msgs == 0 {
		return nil, nil
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return nil, fmt.Errorf("couldn't read dead letters: %w", err)
	}
	var out []StoredDeadLetter
	for uint64(len(out)) < info.State.Msgs {
		msg, err := cons.Next(jetstream.FetchMaxWait(2 * time.Second))
		if err != nil {
			break // fewer than counted: some were deleted meanwhile
		}
		md, err := msg.Metadata()
		if err != nil {
			return nil, err
		}
		var dl DeadLetter
		if err := json.Unmarshal(msg.Data(), &dl); err != nil {
			dl = DeadLetter{Reason: "undecodable", Error: err.Error(), Raw: msg.Data()}
		}
		out = append(out, StoredDeadLetter{Seq: md.Sequence.Stream, DeadLetter: dl})
		if md.NumPending == 0 {
			break
		}
	}
	return out, nil
}

// DropDeadLetter removes one dead letter once an operator has dealt with it.
func (b *Bus) DropDeadLetter(ctx context.Context, seq uint64) error {
	stream, err := b.js.Stream(ctx, StreamDead)
	if err != nil {
		return fmt.Errorf("couldn't open dead letters: %w", err)
	}
	if err := stream.DeleteMsg(ctx, seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("couldn't drop dead letter %d: %w", seq, err)
	}
	return nil
}

// Backlog counts messages still in the work streams: waiting, being worked
// on, held in a batch or waiting out a retry delay. Zero means that no ferry
// anywhere has work in flight.
func (b *Bus) Backlog(ctx context.Context) (uint64, error) {
	var total uint64
	for _, name := range []string{StreamClosed, StreamJobs} {
		stream, err := b.js.Stream(ctx, name)
		if err != nil {
			return 0, fmt.Errorf("couldn't open stream %s: %w", name, err)
		}
		info, err := stream.Info(ctx)
		if err != nil {
			return 0, fmt.Errorf("couldn't read stream %s: %w", name, err)
		}
		total += info.State.Msgs
	}
	return total, nil
}
