package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ConnConfig says how to reach JetStream.
type ConnConfig struct {
	URLs     []string // servers of an existing deployment
	Server   *Server  // or an embedded server in this process (used when URLs is empty)
	Name     string   // client name shown by the server
	Creds    string   // .creds file
	User     string
	Password string
	NKeySeed string // nkey seed file
	TLS      TLSConfig
	Replicas int // stream and ledger replicas: 1 on one node, 3 on a cluster
	Dead     DeadLimits
	// EventsKeep is how long arrival events stay (FERRY_EVENTS's max age);
	// zero means DefaultEventsKeep, negative no events at all.
	EventsKeep time.Duration
	// LedgerKeep is how long moved files' ledger records stay in the
	// archive (FERRY_ARCHIVE's max age); zero keeps them for ever.
	LedgerKeep time.Duration
}

// TLSConfig holds file paths; all empty means plain connections.
type TLSConfig struct{ CA, Cert, Key string }

// Bus is a connection with ferry's streams and ledger bucket in place.
type Bus struct {
	nc  *nats.Conn
	js  jetstream.JetStream
	kv  *KV
	log *slog.Logger

	eventsKeep time.Duration
	// closed is FERRY_CLOSED as set up, to make it again where it vanished.
	closed jetstream.StreamConfig
}

// Connect connects, then creates streams and the ledger idempotently, so
// whichever daemon starts first sets them up.
func Connect(ctx context.Context, cfg ConnConfig, log *slog.Logger) (*Bus, error) {
	opts := []nats.Option{
		nats.Name(cfg.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil: we closed the connection ourselves
				log.Warn("disconnected from nats", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("reconnected to nats", "url", nc.ConnectedUrlRedacted()) }),
		// Permission violations arrive asynchronously; the request they
		// denied only times out, so this is where they are told.
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { log.Error("nats error", "err", err) }),
	}
	opts = append(opts, authOptions(cfg)...)
	url := strings.Join(cfg.URLs, ",")
	if url == "" {
		if cfg.Server == nil {
			return nil, errors.New("couldn't connect to nats: no url and no embedded server")
		}
		opts = append(opts, nats.InProcessServer(cfg.Server))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("couldn't connect to nats %q: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("couldn't open jetstream: %w", err)
	}
	b := &Bus{nc: nc, js: js, log: log, eventsKeep: cfg.EventsKeep}
	if err := b.setup(ctx, max(cfg.Replicas, 1), cfg.Dead, cfg.LedgerKeep); err != nil {
		nc.Close()
		return nil, err
	}
	if cfg.User != "" || cfg.Creds != "" || cfg.NKeySeed != "" {
		// A user has permissions, and a crawler's exclude batched gets (they
		// could name any host's keys): each would be refused with an error
		// in every daemon's log. Without a user nothing is refused.
		b.kv.getAllOff.Store(true)
	}
	return b, nil
}

func authOptions(cfg ConnConfig) []nats.Option {
	var opts []nats.Option
	if cfg.Creds != "" {
		opts = append(opts, nats.UserCredentials(cfg.Creds))
	}
	if cfg.User != "" {
		opts = append(opts, nats.UserInfo(cfg.User, cfg.Password))
	}
	if cfg.NKeySeed != "" {
		if opt, err := nats.NkeyOptionFromSeed(cfg.NKeySeed); err == nil {
			opts = append(opts, opt)
		} else {
			opts = append(opts, func(*nats.Options) error { return fmt.Errorf("couldn't read nkey seed: %w", err) })
		}
	}
	if cfg.TLS.CA != "" {
		opts = append(opts, nats.RootCAs(cfg.TLS.CA))
	}
	if cfg.TLS.Cert != "" {
		opts = append(opts, nats.ClientCert(cfg.TLS.Cert, cfg.TLS.Key))
	}
	return opts
}

// Close drains nothing: work in flight is handed back by ack-wait expiry.
func (b *Bus) Close() { b.nc.Close() }

// Ledger returns the key-value store the ledger lives in.
func (b *Bus) Ledger() *KV { return b.kv }

// PublishClosed announces a closed file; repeats within the dedup window are dropped.
func (b *Bus) PublishClosed(ctx context.Context, c Closed) error {
	c.V = Version
	err := b.publish(ctx, ClosedSubject(c.Route, c.Host), c, c.ID())
	if errors.Is(err, jetstream.ErrNoStreamResponse) && b.remakeClosed(ctx, err) {
		err = b.publish(ctx, ClosedSubject(c.Route, c.Host), c, c.ID())
	}
	return err
}

// PublishClosedAll announces several closed files (a scan's backlog) in
// atomic batches, one fsync each instead of one per file. A batch the
// server refuses (one of its files announced within the dedup window, or
// batches not allowed on an older stream) is published one by one instead,
// where repeats are dropped as PublishClosed drops them.
func (b *Bus) PublishClosedAll(ctx context.Context, events []Closed) error {
	for len(events) > 0 {
		n := min(len(events), maxBatch)
		chunk := events[:n]
		events = events[n:]
		msgs := make([]*nats.Msg, len(chunk))
		for i, c := range chunk {
			c.V = Version
			data, err := json.Marshal(c)
			if err != nil {
				return fmt.Errorf("couldn't encode closed event of %s: %w", c.File.Path, err)
			}
			msgs[i] = nats.NewMsg(ClosedSubject(c.Route, c.Host))
			msgs[i].Data = data
			msgs[i].Header.Set(jetstream.MsgIDHeader, c.ID())
		}
		if len(chunk) > 1 {
			if _, err := publishBatch(ctx, b.nc, msgs); err == nil {
				continue
			}
		}
		for _, c := range chunk {
			if err := b.PublishClosed(ctx, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// PublishJob hands a job to a stage on the job's host.
func (b *Bus) PublishJob(ctx context.Context, stage Stage, j Job) error {
	j.V = Version
	return b.publish(ctx, JobSubject(stage, j.Route, j.Host), j, string(stage)+":"+j.ID+":"+filesDigest(j.Files))
}

// PublishDead stores a dead letter; it is kept until an operator removes it
// or DeadLimits drop it. The same letter published again within the stream's
// duplicates window (a job or event redelivered after its dead letter went
// out) is dropped as a duplicate; another letter of the same job is not.
func (b *Bus) PublishDead(ctx context.Context, stage Stage, d DeadLetter) error {
	d.V, d.Stage = Version, string(stage)
	if d.At.IsZero() {
		d.At = time.Now().UTC()
	}
	fit(&d, int(b.nc.MaxPayload()))
	return b.publish(ctx, DeadSubject(stage, d.Route, d.Host), d, "dead:"+string(stage)+":"+deadDigest(d))
}

func (b *Bus) publish(ctx context.Context, subject string, v any, msgID string) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("couldn't encode message for %s: %w", subject, err)
	}
	var opts []jetstream.PublishOpt
	if msgID != "" {
		opts = append(opts, jetstream.WithMsgID(msgID))
	}
	if _, err := b.js.Publish(ctx, subject, data, opts...); err != nil {
		return fmt.Errorf("couldn't publish to %s: %w", subject, err)
	}
	return nil
}
