package bus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Write is one value of WriteAll.
type Write struct {
	Key   string
	Value []byte
	Rev   uint64        // the revision the key must still have; 0: the key must not exist
	TTL   time.Duration // the value expires after this long; 0: never
}

// WriteAll writes every value or none, each only if its key is still at its
// Rev, in one JetStream atomic batch: one round trip and one fsync for them
// all, where writing them one by one costs one of each per value. Any stale
// Rev fails the whole batch with ErrKeyTaken. A single write is an ordinary
// compare-and-set publish. It returns the new revisions.
//
// A Rev of 0 fails on a key whose last value was deleted (a tombstone), as
// on a live one: callers fall back to Create then.
func (k *KV) WriteAll(ctx context.Context, writes []Write) ([]uint64, error) {
	switch {
	case len(writes) == 0:
		return nil, nil
	case len(writes) > maxBatch:
		return nil, fmt.Errorf("couldn't write %d values at once: at most %d", len(writes), maxBatch)
	case len(writes) == 1:
		rev, err := k.writeOne(ctx, writes[0])
		return []uint64{rev}, err
	}
	msgs := make([]*nats.Msg, len(writes))
	for i, w := range writes {
		msgs[i] = k.msg(w)
	}
	last, err := publishBatch(ctx, k.nc, msgs)
	if err != nil {
		return nil, err
	}
	revs := make([]uint64, len(writes))
	for i := range writes { // a batch is stored in order, in consecutive sequences
		revs[i] = last - uint64(len(writes)-1-i)
	}
	return revs, nil
}

func (k *KV) writeOne(ctx context.Context, w Write) (uint64, error) {
	ack, err := k.js.PublishMsg(ctx, k.msg(w))
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && wrongLastSequence(int(apiErr.ErrorCode)) {
		return 0, fmt.Errorf("couldn't write %s: %w", w.Key, ErrKeyTaken)
	}
	if err != nil {
		return 0, fmt.Errorf("couldn't write %s: %w", w.Key, err)
	}
	return ack.Sequence, nil
}

// msg is w as the key-value bucket stores it: a message on the key's subject.
func (k *KV) msg(w Write) *nats.Msg {
	m := nats.NewMsg("$KV." + k.bucket + "." + w.Key)
	m.Data = w.Value
	m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(w.Rev, 10))
	if w.TTL > 0 && k.allowTTL {
		m.Header.Set(jetstream.MsgTTLHeader, w.TTL.Round(time.Second).String())
	}
	return m
}
