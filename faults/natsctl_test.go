package faults

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ferrydata/ferry/internal/testkit"
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

// jsConn is a short-lived client of a site's NATS listener: the kit's
// inspector, and the faults a campaign injects into JetStream.
type jsConn struct{ *testkit.Inspector }

// purge drops every message of a stream (those matching subject, if set).
func (c jsConn) purge(ctx context.Context, stream, subject string) (uint64, error) {
	s, err := c.JS.Stream(ctx, stream)
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

func (c jsConn) deleteConsumer(ctx context.Context, stream, name string) error {
	err := c.JS.DeleteConsumer(ctx, stream, name)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil
	}
	return err
}

func (c jsConn) deleteLedger(ctx context.Context) error {
	err := c.JS.DeleteKeyValue(ctx, ledgerBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil
	}
	return err
}

// publish puts raw bytes on a subject through JetStream.
func (c jsConn) publish(ctx context.Context, subject string, data []byte) error {
	_, err := c.JS.Publish(ctx, subject, data)
	return err
}

// withJS runs fn with a client of the listener on port, for at most timeout;
// it connects again until then, as the server may be restarting.
func withJS(port int, timeout time.Duration, fn func(ctx context.Context, c jsConn) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	in, err := testkit.Dial(ctx, fmt.Sprintf("nats://127.0.0.1:%d", port), nats.Name("ferry-faults"), nats.NoReconnect())
	if err != nil {
		return err
	}
	defer in.Close()
	return fn(ctx, jsConn{in})
}
