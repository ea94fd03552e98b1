package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Errors of the key-value store, so callers need not import nats.
var (
	ErrNoKey    = errors.New("no such key")
	ErrKeyTaken = errors.New("key exists or revision changed")
)

// KV is the ledger's key-value bucket.
type KV struct {
	kv     jetstream.KeyValue
	js     jetstream.JetStream
	nc     *nats.Conn // for the batches of WriteAll
	bucket string
	// allowTTL: the bucket's stream takes per-value TTLs. A stream that
	// does not refuses a value with one, so without it TTLs are dropped.
	allowTTL bool
	log      *slog.Logger
	// archivePausedUntil: Archive fails at once until then (unix ns).
	archivePausedUntil atomic.Int64
	getAllState
}

// Get returns a value and its revision, or ErrNoKey.
func (k *KV) Get(ctx context.Context, key string) ([]byte, uint64, error) {
	e, err := k.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return nil, 0, ErrNoKey
	}
	if err != nil {
		return nil, 0, fmt.Errorf("couldn't get %s: %w", key, err)
	}
	return e.Value(), e.Revision(), nil
}

// Put writes a value whatever was there.
func (k *KV) Put(ctx context.Context, key string, val []byte) (uint64, error) {
	rev, err := k.kv.Put(ctx, key, val)
	if err != nil {
		return 0, fmt.Errorf("couldn't put %s: %w", key, err)
	}
	return rev, nil
}

// Create writes a value only if the key does not exist; else ErrKeyTaken.
// A ttl above 0 makes the value expire after that long.
func (k *KV) Create(ctx context.Context, key string, val []byte, ttl time.Duration) (uint64, error) {
	var opts []jetstream.KVCreateOpt
	if ttl > 0 && k.allowTTL {
		opts = append(opts, jetstream.KeyTTL(ttl.Round(time.Second)))
	}
	rev, err := k.kv.Create(ctx, key, val, opts...)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return 0, ErrKeyTaken
	}
	if err != nil {
		return 0, fmt.Errorf("couldn't create %s: %w", key, err)
	}
	return rev, nil
}

// Update writes a value only if the key is still at rev; else ErrKeyTaken.
func (k *KV) Update(ctx context.Context, key string, val []byte, rev uint64) (uint64, error) {
	next, err := k.kv.Update(ctx, key, val, rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
		return 0, ErrKeyTaken
	}
	if err != nil {
		return 0, fmt.Errorf("couldn't update %s: %w", key, err)
	}
	return next, nil
}

// Delete removes a key; a missing key is not an error.
func (k *KV) Delete(ctx context.Context, key string) error {
	if err := k.kv.Delete(ctx, key); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("couldn't delete %s: %w", key, err)
	}
	return nil
}

// Scan calls fn for the current value of every key matching filter
// (a subject pattern such as "file.warcs.>").
func (k *KV) Scan(ctx context.Context, filter string, fn func(key string, val []byte) error) error {
	w, err := k.kv.Watch(ctx, filter, jetstream.IgnoreDeletes())
	if err != nil {
		return fmt.Errorf("couldn't scan %s: %w", filter, err)
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e, ok := <-w.Updates():
			if !ok {
				return errors.New("couldn't scan: watcher closed")
			}
			if e == nil { // all current values delivered
				return nil
			}
			if err := fn(e.Key(), e.Value()); err != nil {
				return err
			}
		}
	}
}
