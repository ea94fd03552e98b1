package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ferrydata/ferry/internal/notify"
)

// ConsumerConfig names who consumes what.
type ConsumerConfig struct {
	Stage   Stage
	Host    string        // whose jobs; HostAny for shared ones. Ignored for StageDispatch.
	AckWait time.Duration // how long a silent worker keeps a message
	// MaxAckPending bounds messages in flight across all workers of the consumer.
	MaxAckPending int
}

func (b *Bus) consumer(ctx context.Context, cc ConsumerConfig) (jetstream.Consumer, error) {
	stream, name, filter := StreamJobs, consumerName(cc.Stage, cc.Host), "ferry."+string(cc.Stage)+".*."+HostToken(cc.Host)
	if cc.Stage == StageDispatch {
		stream, name, filter = StreamClosed, "dispatcher", "ferry.closed.>"
	}
	cfg := jetstream.ConsumerConfig{
		Durable:       name,
		FilterSubject: filter,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cc.AckWait,
		// Deliveries are not failures: a crash or restart redelivers, and
		// workers count the failures they saw in the ledger instead.
		MaxDeliver:    -1,
		MaxAckPending: cc.MaxAckPending,
	}
	// A node lost or a leader being elected makes the request time out:
	// a daemon starting then waits for the cluster rather than exiting.
	var cons jetstream.Consumer
	err := b.retrySetup(ctx, func(ctx context.Context) (err error) {
		cons, err = b.js.CreateOrUpdateConsumer(ctx, stream, cfg)
		if stream == StreamClosed && errors.Is(err, jetstream.ErrStreamNotFound) && b.remakeClosed(ctx, err) {
			cons, err = b.js.CreateOrUpdateConsumer(ctx, stream, cfg)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("couldn't create consumer %s: %w", name, err)
	}
	return cons, nil
}

// Work runs workers goroutines, each holding at most one message at a time, so
// a long job never waits in a client buffer while its ack-wait runs out.
// It returns when ctx is cancelled and every handler has returned.
func (b *Bus) Work(ctx context.Context, cc ConsumerConfig, workers int, handle func(context.Context, *Delivery)) error {
	cons, err := b.consumer(ctx, cc)
	if err != nil {
		return err
	}
	done := make(chan struct{}, workers)
	for range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			c := cons
			for ctx.Err() == nil {
				notify.Beat(ctx) // idle, a pull expires each second: this still goes round
				// One pull at a time, ended by ctx too: a worker that is
				// told to stop does not wait out its pull's expiry.
				pull, cancel := context.WithTimeout(ctx, time.Second)
				msg, err := c.Next(jetstream.FetchContext(pull))
				cancel()
				if errors.Is(err, context.DeadlineExceeded) {
					continue // the pull expired with nothing to do
				}
				if err != nil {
					c = b.recover(ctx, cc, c, err)
					continue
				}
				handle(ctx, &Delivery{msg: msg})
			}
		}()
	}
	for range workers {
		<-done
	}
	return nil
}

// Stream delivers messages to one goroutine, for the dispatcher which holds
// many at once while it batches them. The channel closes only when ctx ends.
func (b *Bus) Stream(ctx context.Context, cc ConsumerConfig) (<-chan *Delivery, error) {
	cons, err := b.consumer(ctx, cc)
	if err != nil {
		return nil, err
	}
	out := make(chan *Delivery)
	go func() {
		defer close(out)
		for ctx.Err() == nil {
			if cons == nil { // gone: create it again before pulling more
				if cons, err = b.consumer(ctx, cc); err != nil {
					cons = nil
					b.waitAfterFetch(ctx, err)
					continue
				}
			}
			if err := b.pump(ctx, cons, out); err != nil && ctx.Err() == nil {
				if consumerGone(err) {
					b.log.Warn("consumer gone; creating it again", "stage", cc.Stage, "err", err)
					cons = nil
				} else {
					b.waitAfterFetch(ctx, err)
				}
			}
		}
	}()
	return out, nil
}

// pump feeds out from one message iterator until it ends, and says why.
func (b *Bus) pump(ctx context.Context, cons jetstream.Consumer, out chan<- *Delivery) error {
	// Short pull requests: one lost to a leader change or a node's death is
	// noticed by missed heartbeats within the expiry, not after the 30s default.
	iter, err := cons.Messages(jetstream.PullMaxMessages(256), jetstream.PullExpiry(5*time.Second))
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, iter.Stop)
	defer stop()
	defer iter.Stop()
	for {
		msg, err := iter.Next()
		if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
			return jetstream.ErrConsumerDeleted // not by us unless ctx is done
		}
		if err != nil {
			if consumerGone(err) || errors.Is(err, jetstream.ErrNoHeartbeat) {
				return err // missed heartbeats: the consumer or its server is gone
			}
			b.waitAfterFetch(ctx, err)
			continue
		}
		select {
		case out <- &Delivery{msg: msg}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// recover handles a failed fetch: a consumer deleted under us (by an
// operator, or lost with a stream) is created again, else it waits a moment.
func (b *Bus) recover(ctx context.Context, cc ConsumerConfig, cons jetstream.Consumer, err error) jetstream.Consumer {
	if ctx.Err() != nil || !consumerGone(err) {
		b.waitAfterFetch(ctx, err)
		return cons
	}
	b.log.Warn("consumer gone; creating it again", "stage", cc.Stage, "err", err)
	again, cerr := b.consumer(ctx, cc)
	if cerr != nil {
		b.waitAfterFetch(ctx, cerr)
		return cons
	}
	return again
}

func consumerGone(err error) bool {
	return errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) ||
		errors.Is(err, jetstream.ErrConsumerDoesNotExist) || errors.Is(err, nats.ErrNoResponders) ||
		errors.Is(err, jetstream.ErrNoHeartbeat)
}

func (b *Bus) waitAfterFetch(ctx context.Context, err error) {
	if errors.Is(err, nats.ErrTimeout) || errors.Is(err, jetstream.ErrNoMessages) || ctx.Err() != nil {
		return
	}
	b.log.Warn("couldn't fetch message; retrying", "err", err)
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
	}
}

// Follow calls fn, from one goroutine, for every value written to a key of
// the ledger bucket matching filter (a subject pattern such as "file.>")
// from now on; deletes are left out. It returns once the watch is in place,
// so no later write is missed; stop ends it and waits for fn to return.
func (k *KV) Follow(ctx context.Context, filter string, fn func(key string, val []byte)) (stop func(), err error) {
	ctx, cancel := context.WithCancel(ctx)
	w, err := k.kv.Watch(ctx, filter, jetstream.UpdatesOnly(), jetstream.IgnoreDeletes())
	if err != nil {
		cancel()
		return nil, fmt.Errorf("couldn't follow %s: %w", filter, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				drain(w.Updates())
				return
			case e, ok := <-w.Updates():
				if !ok {
					return
				}
				if e != nil {
					fn(e.Key(), e.Value())
				}
			}
		}
	}()
	return func() {
		cancel()
		_ = w.Stop()
		<-done
	}, nil
}

// drain empties a stopped watch's channel, so its delivery goroutine, maybe
// blocked on a send, can end; a close that never comes is waited for briefly.
func drain(updates <-chan jetstream.KeyValueEntry) {
	deadline := time.After(time.Second)
	for {
		select {
		case _, ok := <-updates:
			if !ok {
				return
			}
		case <-deadline:
			return
		}
	}
}

// ReclaimJobs deletes the consumers of the work streams, so the messages a
// dead process held (unacked, their ack wait still running) are delivered
// again at once to the consumers its successor creates: a work queue keeps
// every unacked message when its consumer goes (only interest streams drop
// them). It returns how many messages were held. Only for a process that is
// sure to be the streams' one consumer (an embedded server no other process
// can reach): elsewhere another live worker may hold those jobs.
func (b *Bus) ReclaimJobs(ctx context.Context) (int, error) {
	held := 0
	for _, name := range []string{StreamClosed, StreamJobs} {
		stream, err := b.js.Stream(ctx, name)
		if err != nil {
			return held, fmt.Errorf("couldn't open stream %s: %w", name, err)
		}
		list := stream.ListConsumers(ctx)
		var names []string
		for info := range list.Info() {
			held += info.NumAckPending
			names = append(names, info.Name)
		}
		if err := list.Err(); err != nil {
			return held, fmt.Errorf("couldn't list consumers of %s: %w", name, err)
		}
		for _, c := range names {
			if err := stream.DeleteConsumer(ctx, c); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
				return held, fmt.Errorf("couldn't delete consumer %s: %w", c, err)
			}
		}
	}
	return held, nil
}
