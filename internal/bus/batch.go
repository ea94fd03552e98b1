package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
)

// maxBatch is the server's default limit of messages in one atomic batch.
const maxBatch = 1000

// batchTimeout bounds a batch's commit when the caller gave no deadline.
const batchTimeout = 10 * time.Second

// wrongLastSequence reports whether a JetStream error code means a
// compare-and-set lost: the subject's last sequence was not the expected
// one (10071; replicated streams answer 10164).
func wrongLastSequence(code int) bool { return code == 10071 || code == 10164 }

// publishBatch stores msgs, all on one stream, as one JetStream atomic batch:
// all or none, in one round trip and one fsync, where publishing them one by
// one costs one of each per message. It returns the stream sequence of the
// last message; the others have the sequences just before it. A lost
// compare-and-set (a message's expected last subject sequence) fails the
// batch with ErrKeyTaken.
func publishBatch(ctx context.Context, nc *nats.Conn, msgs []*nats.Msg) (uint64, error) {
	if len(msgs) == 0 || len(msgs) > maxBatch {
		return 0, fmt.Errorf("couldn't publish %d messages as one batch: 1 to %d", len(msgs), maxBatch)
	}
	if _, ok := ctx.Deadline(); !ok {
		// The commit is a plain request: unlike a JetStream publish, which
		// the client bounds by its default timeout, it would wait for ever
		// for an answer lost with a connection (a watcher's scan has no
		// deadline). Timed out, callers fall back to writes one by one,
		// which compare-and-set or dedup ids keep safe if it did commit.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, batchTimeout)
		defer cancel()
	}
	id := nats.NewInbox()[len(nats.InboxPrefix):] // unique, and short enough (at most 64)
	var reply *nats.Msg
	for i, m := range msgs {
		m.Header.Set("Nats-Batch-Id", id)
		m.Header.Set("Nats-Batch-Sequence", strconv.Itoa(i+1))
		if i < len(msgs)-1 {
			if err := nc.PublishMsg(m); err != nil {
				return 0, fmt.Errorf("couldn't publish to %s: %w", m.Subject, err)
			}
			continue
		}
		m.Header.Set("Nats-Batch-Commit", "1")
		var err error
		if reply, err = nc.RequestMsgWithContext(ctx, m); err != nil {
			return 0, fmt.Errorf("couldn't commit a batch of %d messages: %w", len(msgs), err)
		}
	}
	var ack struct {
		Seq   uint64 `json:"seq"`
		Count int    `json:"count"`
		Error *struct {
			Code        int    `json:"err_code"`
			Description string `json:"description"`
		} `json:"error"`
	}
	if err := json.Unmarshal(reply.Data, &ack); err != nil {
		return 0, fmt.Errorf("couldn't decode the answer to a batch: %w", err)
	}
	switch {
	case ack.Error != nil && wrongLastSequence(ack.Error.Code):
		return 0, fmt.Errorf("batch of %d messages: %s: %w", len(msgs), ack.Error.Description, ErrKeyTaken)
	case ack.Error != nil:
		return 0, fmt.Errorf("couldn't publish a batch of %d messages: %s (%d)", len(msgs), ack.Error.Description, ack.Error.Code)
	case ack.Count != len(msgs) || ack.Seq < uint64(len(msgs)):
		return 0, fmt.Errorf("couldn't publish a batch of %d messages: the server stored %d", len(msgs), ack.Count)
	}
	return ack.Seq, nil
}
