package faults

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Names ferry gives its streams, consumers and bucket (internal/bus), spelled
// out here: the tests talk to JetStream as an outsider would.
const (
	streamClosed = "FERRY_CLOSED"
	streamJobs   = "FERRY_JOBS"
	ledgerBucket = "ferry_ledger"
)

// consumers are the durable consumers of a one-host site: stream and name.
var consumers = [][2]string{
	{streamClosed, "dispatcher"},
	{streamJobs, "copy-" + hostName},
	{streamJobs, "verify-" + hostName},
}

// jsConn is a short-lived client of a site's NATS listener.
type jsConn struct {
	nc *nats.Conn
	js jetstream.JetStream
}

// dialJS connects to the listener on port, retrying until ctx ends: the
// server may be restarting.
func dialJS(ctx context.Context, port int) (*jsConn, error) {
	url := fmt.Sprintf("nats://127.0.0.1:%d", port)
	for {
		nc, err := nats.Connect(url, nats.Name("ferry-faults"), nats.Timeout(2*time.Second), nats.NoReconnect())
		if err == nil {
			js, err := jetstream.New(nc)
			if err == nil {
				return &jsConn{nc: nc, js: js}, nil
			}
			nc.Close()
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("couldn't connect to %s: %w", url, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (c *jsConn) close() { c.nc.Close() }

// purge drops every message of a stream (those matching subject, if set).
func (c *jsConn) purge(ctx context.Context, stream, subject string) (uint64, error) {
	s, err := c.js.Stream(ctx, stream)
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, err
	}
	var opts []jetstream.StreamPurgeOpt
	if subject != "" {
		opts = append(opts, jetstream.WithPurgeSubject(subject))
	}
	return info.State.Msgs, s.Purge(ctx, opts...)
}

// count is the number of messages in stream on subjects matching filter.
func (c *jsConn) count(ctx context.Context, stream, filter string) (uint64, error) {
	s, err := c.js.Stream(ctx, stream)
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return 0, err
	}
	var n uint64
	for _, v := range info.State.Subjects {
		n += v
	}
	return n, nil
}

func (c *jsConn) deleteConsumer(ctx context.Context, stream, name string) error {
	err := c.js.DeleteConsumer(ctx, stream, name)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil
	}
	return err
}

func (c *jsConn) hasConsumer(ctx context.Context, stream, name string) (bool, error) {
	_, err := c.js.Consumer(ctx, stream, name)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (c *jsConn) deleteLedger(ctx context.Context) error {
	err := c.js.DeleteKeyValue(ctx, ledgerBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil
	}
	return err
}

func (c *jsConn) hasLedger(ctx context.Context) (bool, error) {
	_, err := c.js.KeyValue(ctx, ledgerBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return false, nil
	}
	return err == nil, err
}

// publish puts raw bytes on a subject through JetStream.
func (c *jsConn) publish(ctx context.Context, subject string, data []byte) error {
	_, err := c.js.Publish(ctx, subject, data)
	return err
}

// withJS runs fn with a client of the listener on port, for at most timeout.
func withJS(port int, timeout time.Duration, fn func(ctx context.Context, c *jsConn) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := dialJS(ctx, port)
	if err != nil {
		return err
	}
	defer c.close()
	return fn(ctx, c)
}
