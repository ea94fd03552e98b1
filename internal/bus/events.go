package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// StreamEvents holds arrival events: one per verified file, on
// ferry.events.moved.<route>, for indexers and schedulers (an Airflow
// sensor) that would otherwise poll the storage. Limits retention: every
// consumer reads every event, until events.keep drops it.
const StreamEvents = "FERRY_EVENTS"

// DefaultEventsKeep is events.keep's default.
const DefaultEventsKeep = 7 * 24 * time.Hour

// MovedEvent says that a file's copy was read back and verified, and
// whether its source was deleted. docs/events.md is its schema; fields are
// only ever added.
type MovedEvent struct {
	V     int    `json:"v"`
	Route string `json:"route"`
	// Host is the source host: where the file was written.
	Host string `json:"host"`
	Job  string `json:"job"`
	// Path is relative to the route's source and destination; Destination
	// is the copy as rclone names it (remote:path/Path, or a local path).
	Path        string `json:"path"`
	Destination string `json:"destination"`
	Size        int64  `json:"size"`
	ModTime     int64  `json:"mtime_ns"`
	// HashType is md5, sha1 or sha256; Hash the lowercase hex digest of the
	// bytes read back, equal to the source's.
	HashType      string    `json:"hash_type"`
	Hash          string    `json:"hash"`
	SourceDeleted bool      `json:"source_deleted"`
	Time          time.Time `json:"time"`
	// Checks is what the route's content validators found in the bytes read
	// back; absent when the route has none. A flagged file (on_invalid:
	// flag) arrives with Valid false.
	Checks *Checks `json:"checks,omitempty"`
}

// Checks is what a route's content validators (internal/validate) found in
// the bytes of a file's copy, read back by the verifier.
type Checks struct {
	Ran       []string `json:"ran"`
	Valid     bool     `json:"valid"`
	Validator string   `json:"validator,omitempty"` // the first that found a fault
	Offset    int64    `json:"offset"`              // of the record or gzip member at fault; -1 unknown
	Error     string   `json:"error,omitempty"`
}

// MovedSubject is where a route's arrival events go.
func MovedSubject(route string) string { return "ferry.events.moved." + route }

// id makes a redelivered job's repeat of an event a duplicate (within the
// stream's window), and a later verification of a new version a new event.
func (e MovedEvent) id() string {
	return "moved:" + e.Route + ":" + e.Host + ":" + e.Path + ":" + strconv.FormatInt(e.Size, 10) + ":" +
		strconv.FormatInt(e.ModTime, 10) + ":" + e.Hash + ":" + strconv.FormatBool(e.SourceDeleted)
}

// setupEvents creates FERRY_EVENTS. Events are a convenience beside the
// ledger, not part of moving a file, so a daemon does not wait for them
// (ensureStreamSoon).
func (b *Bus) setupEvents(ctx context.Context, replicas int) {
	keep := b.eventsKeep
	if keep < 0 {
		return
	}
	if keep == 0 {
		keep = DefaultEventsKeep
	}
	sc := jetstream.StreamConfig{Name: StreamEvents, Subjects: []string{"ferry.events.>"},
		Retention: jetstream.LimitsPolicy, MaxAge: keep, Discard: jetstream.DiscardOld,
		Duplicates: 2 * time.Minute, Storage: jetstream.FileStorage, Replicas: replicas, AllowAtomicPublish: true}
	b.ensureStreamSoon(ctx, sc, "couldn't create the arrival events stream; events will not be kept")
}

// PublishMoved publishes arrival events and waits for the stream to store
// them all; nothing when events are off. A job's events go as one atomic
// batch (one round trip and one fsync, and a consumer sees a job's arrivals
// together); if the batch fails (a stream made before batches, a repeat of
// events already stored, which a batch refuses as duplicates), they go one
// by one, where the stream drops the repeats.
func (b *Bus) PublishMoved(ctx context.Context, events []MovedEvent) error {
	if b.eventsKeep < 0 {
		return nil
	}
	for len(events) > 0 {
		n := min(len(events), maxBatch)
		chunk := events[:n]
		events = events[n:]
		msgs := make([]*nats.Msg, len(chunk))
		for i, e := range chunk {
			msg, err := movedMsg(e)
			if err != nil {
				return err
			}
			msgs[i] = msg
		}
		if len(msgs) > 1 {
			if _, err := publishBatch(ctx, b.nc, msgs); err == nil {
				continue
			}
		}
		if err := b.publishMovedEach(ctx, chunk); err != nil {
			return err
		}
	}
	return nil
}

func movedMsg(e MovedEvent) (*nats.Msg, error) {
	e.V = Version
	data, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("couldn't encode arrival event of %s: %w", e.Path, err)
	}
	msg := nats.NewMsg(MovedSubject(e.Route))
	msg.Data = data
	msg.Header.Set(jetstream.MsgIDHeader, e.id())
	return msg, nil
}

// publishMovedEach publishes events one by one, all at once, and waits for
// the stream to store them all.
func (b *Bus) publishMovedEach(ctx context.Context, events []MovedEvent) error {
	futures := make([]jetstream.PubAckFuture, 0, len(events))
	for _, e := range events {
		msg, err := movedMsg(e)
		if err != nil {
			return err
		}
		f, err := b.js.PublishMsgAsync(msg)
		if err != nil {
			return fmt.Errorf("couldn't publish arrival event of %s: %w", e.Path, err)
		}
		futures = append(futures, f)
	}
	for i, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return fmt.Errorf("couldn't publish arrival event of %s: %w", events[i].Path, err)
		case <-ctx.Done():
			return fmt.Errorf("couldn't publish arrival events: %w", ctx.Err())
		}
	}
	return nil
}

// MovedEvents reads the arrival events stored for route ("*" for all),
// oldest first, as a consumer of the stream would.
func (b *Bus) MovedEvents(ctx context.Context, route string) ([]MovedEvent, error) {
	stream, err := b.js.Stream(ctx, StreamEvents)
	if err != nil {
		return nil, fmt.Errorf("couldn't open arrival events: %w", err)
	}
	filter := MovedSubject(route)
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return nil, fmt.Errorf("couldn't read arrival events: %w", err)
	}
	var want uint64
	for _, n := range info.State.Subjects {
		want += n
	}
	if want == 0 {
		return nil, nil
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
	if err != nil {
		return nil, fmt.Errorf("couldn't read arrival events: %w", err)
	}
	var out []MovedEvent
	for uint64(len(out)) < want {
		msg, err := cons.Next(jetstream.FetchMaxWait(2 * time.Second))
		if err != nil {
			break // fewer than counted: some expired meanwhile
		}
		var e MovedEvent
		if err := json.Unmarshal(msg.Data(), &e); err != nil {
			return nil, fmt.Errorf("couldn't decode arrival event %s: %w", msg.Subject(), err)
		}
		out = append(out, e)
	}
	return out, nil
}
