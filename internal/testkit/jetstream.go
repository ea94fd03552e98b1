package testkit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Inspector is a raw JetStream client that looks at a server as an outsider
// would: its methods only read. JS is there for the few tests that break
// JetStream on purpose (fault injection) or check what a user is refused.
type Inspector struct {
	NC *nats.Conn
	JS jetstream.JetStream
}

// Connect connects once to url (comma-separated servers); opts come after
// a client name and a 2 s connect timeout, so they may override them.
func Connect(url string, opts ...nats.Option) (*Inspector, error) {
	opts = append([]nats.Option{nats.Name("ferry-testkit"), nats.Timeout(2 * time.Second)}, opts...)
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("couldn't connect to %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("couldn't open jetstream at %s: %w", url, err)
	}
	return &Inspector{NC: nc, JS: js}, nil
}

// Dial is Connect retried every 200 ms until ctx ends: the server may be
// starting or restarting.
func Dial(ctx context.Context, url string, opts ...nats.Option) (*Inspector, error) {
	for {
		in, err := Connect(url, opts...)
		if err == nil {
			return in, nil
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Close closes the connection.
func (in *Inspector) Close() { in.NC.Close() }

// StreamInfo is the stream's state as its leader reports it.
func (in *Inspector) StreamInfo(ctx context.Context, stream string, opts ...jetstream.StreamInfoOpt) (*jetstream.StreamInfo, error) {
	s, err := in.JS.Stream(ctx, stream)
	if err != nil {
		return nil, err
	}
	return s.Info(ctx, opts...)
}

// Count is the number of messages in stream on subjects matching filter.
func (in *Inspector) Count(ctx context.Context, stream, filter string) (uint64, error) {
	info, err := in.StreamInfo(ctx, stream, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return 0, err
	}
	var n uint64
	for _, v := range info.State.Subjects {
		n += v
	}
	return n, nil
}

// Consumers are the stream's consumers as their leaders report them.
func (in *Inspector) Consumers(ctx context.Context, stream string) ([]*jetstream.ConsumerInfo, error) {
	s, err := in.JS.Stream(ctx, stream)
	if err != nil {
		return nil, err
	}
	var out []*jetstream.ConsumerInfo
	list := s.ListConsumers(ctx)
	for ci := range list.Info() {
		out = append(out, ci)
	}
	return out, list.Err()
}

// HasConsumer reports whether the stream has a consumer of that name.
func (in *Inspector) HasConsumer(ctx context.Context, stream, name string) (bool, error) {
	_, err := in.JS.Consumer(ctx, stream, name)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return false, nil
	}
	return err == nil, err
}

// HasBucket reports whether the key-value bucket exists.
func (in *Inspector) HasBucket(ctx context.Context, bucket string) (bool, error) {
	_, err := in.JS.KeyValue(ctx, bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Entries reads every value of the bucket whose key starts with prefix, by
// key. A listing that ctx cut short is an error, never a partial answer.
func (in *Inspector) Entries(ctx context.Context, bucket, prefix string) (map[string][]byte, error) {
	kv, err := in.JS.KeyValue(ctx, bucket)
	if err != nil {
		return nil, err
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for key := range keys.Keys() {
		if !strings.HasPrefix(key, prefix) {
			continue
		}
		e, err := kv.Get(ctx, key)
		if err != nil {
			return nil, err
		}
		out[key] = e.Value()
	}
	if err := ctx.Err(); err != nil {
		return nil, err // the listing ended early
	}
	return out, nil
}
