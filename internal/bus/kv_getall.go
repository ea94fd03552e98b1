package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Value is a key's value and revision, as Get returns them.
type Value struct {
	Data []byte
	Rev  uint64
}

// maxGetAll bounds the keys of one request: the server answers at most
// 1024 messages to one batched direct get.
const maxGetAll = 256

// getAllTimeout bounds one GetAll request without a deadline of its own,
// and the first one always: a user who may not make batched gets (a
// crawler's, see configs/nats/authorization.conf) gets no answer at all,
// only an error on the connection.
const getAllTimeout = 2 * time.Second

// GetAll reads several keys in one request per maxGetAll keys: a batched
// direct get of the last message on each key's subject, which is what Get
// reads one key at a time. A key without a value (never written, deleted,
// or expired) is not in the result. An error says nothing of any key:
// callers read them with Get instead. After a request got no answer,
// GetAll fails at once for this connection (ErrNoGetAll).
func (k *KV) GetAll(ctx context.Context, keys []string) (map[string]Value, error) {
	if k.getAllOff.Load() {
		return nil, ErrNoGetAll
	}
	out := make(map[string]Value, len(keys))
	for start := 0; start < len(keys); start += maxGetAll {
		if err := k.getSome(ctx, keys[start:min(start+maxGetAll, len(keys))], out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ErrNoGetAll: this connection's batched gets are off (see GetAll).
var ErrNoGetAll = errors.New("batched gets are not available on this connection")

func (k *KV) getSome(ctx context.Context, keys []string, out map[string]Value) error {
	prefix := "$KV." + k.bucket + "."
	subjects := make([]string, len(keys))
	for i, key := range keys {
		subjects[i] = prefix + key
	}
	req, err := json.Marshal(struct {
		MultiLast []string `json:"multi_last"`
		Batch     int      `json:"batch"`
	}{subjects, len(subjects)})
	if err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok || !k.getAllSeen.Load() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, getAllTimeout)
		defer cancel()
	}
	inbox := k.nc.NewRespInbox()
	// A channel just large enough for the answers (one per key, and the end
	// of the batch): SubscribeSync's own holds 64k, half a megabyte a job.
	answers := make(chan *nats.Msg, len(keys)+2)
	sub, err := k.nc.ChanSubscribe(inbox, answers)
	if err != nil {
		return fmt.Errorf("couldn't read %d keys at once: %w", len(keys), err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	subject := "$JS.API.DIRECT.GET.KV_" + k.bucket
	if err := k.nc.PublishRequest(subject, inbox, req); err != nil {
		return fmt.Errorf("couldn't read %d keys at once: %w", len(keys), err)
	}
	for n := 0; ; n++ {
		m, err := k.next(ctx, answers, subject, n == 0)
		if err != nil {
			if n == 0 && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrPermissionViolation)) {
				k.getAllOff.Store(true) // no answer at all: not allowed, or not served
				k.log.Info("reading ledger records one at a time: batched gets got no answer", "err", err)
			}
			return fmt.Errorf("couldn't read %d keys at once: %w", len(keys), err)
		}
		k.getAllSeen.Store(true)
		if status := m.Header.Get("Status"); status != "" && len(m.Data) == 0 {
			switch status {
			case "204": // end of the batch
				return nil
			case "404": // none of the keys has a message
				return nil
			}
			return fmt.Errorf("couldn't read %d keys at once: %s %s", len(keys), status, m.Header.Get("Description"))
		}
		key, rev, ok := kvEntryOf(m, prefix)
		if !ok {
			return fmt.Errorf("couldn't read %d keys at once: an answer without its subject or sequence", len(keys))
		}
		if m.Header.Get("KV-Operation") != "" || m.Header.Get(jetstream.MarkerReasonHeader) != "" {
			delete(out, key) // deleted, purged or expired: no value, as Get says
			continue
		}
		out[key] = Value{Data: m.Data, Rev: rev}
	}
}

// next is the next answer on sub. Waiting for the first, it looks soon and
// then every 50 ms whether the server refused the request: a permissions
// violation comes as the connection's error, not as an answer.
func (k *KV) next(ctx context.Context, answers <-chan *nats.Msg, subject string, first bool) (*nats.Msg, error) {
	poll := time.Duration(0) // after the first answer: wait for ctx only
	if first {
		poll = 2 * time.Millisecond
	}
	for {
		var tick <-chan time.Time
		if poll > 0 {
			tick = time.After(poll)
		}
		select {
		case m := <-answers:
			return m, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick:
		}
		if last := k.nc.LastError(); errors.Is(last, nats.ErrPermissionViolation) && strings.Contains(last.Error(), `"`+subject+`"`) {
			return nil, last
		}
		poll = min(2*poll, 50*time.Millisecond)
	}
}

// kvEntryOf is the key and revision of a direct get's answer.
func kvEntryOf(m *nats.Msg, prefix string) (key string, rev uint64, ok bool) {
	subject := m.Header.Get(jetstream.SubjectHeader)
	seq, err := strconv.ParseUint(m.Header.Get(jetstream.SequenceHeader), 10, 64)
	if err != nil || len(subject) <= len(prefix) || subject[:len(prefix)] != prefix {
		return "", 0, false
	}
	return subject[len(prefix):], seq, true
}

// getAllState is KV's memory of batched gets on its connection.
type getAllState struct {
	getAllOff  atomic.Bool // a request got no answer: off for good
	getAllSeen atomic.Bool // a request was answered: callers' deadlines suffice
}
