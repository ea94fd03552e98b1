package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// StreamArchive keeps the ledger's records of moved files for ledger.keep,
// on a few subjects (ArchiveSubject), while the bucket drops them within
// minutes. In the bucket every key is a subject the server indexes in
// memory for as long as its value lives, so a month of moved files there
// would cost RAM per file (about 600 bytes); here they cost disk only.
// Limits retention: what is older than ledger.keep is dropped.
const StreamArchive = "FERRY_ARCHIVE"

// archiveKeyHeader names the ledger key an archived value belongs to:
// many keys share a subject.
const archiveKeyHeader = "Ferry-Key"

// ArchiveSubject is where values of keys sharing shard are archived. The
// ledger picks the shard so that a host's records have subjects of their
// own (a crawler may write only its own) and a key's values are found by
// reading one subject.
func ArchiveSubject(shard string) string { return "ferry.archive." + shard }

// Archived is one value to archive: Key's value, filed under Shard.
type Archived struct {
	Shard, Key string
	Value      []byte
}

// setupArchive creates FERRY_ARCHIVE, keeping values for keep (0: for
// ever). Like events, the ledger works without it (its records then stay in
// the bucket for ledger.keep, as before there was an archive), so a daemon
// does not wait for it: after one failed attempt it keeps trying in the
// background (a crawler host's user may only see the stream once the
// dispatcher made it).
func (b *Bus) setupArchive(ctx context.Context, replicas int, keep time.Duration) {
	sc := jetstream.StreamConfig{Name: StreamArchive, Subjects: []string{ArchiveSubject(">")},
		Retention: jetstream.LimitsPolicy, MaxAge: keep, Discard: jetstream.DiscardOld,
		Duplicates: 2 * time.Minute, Storage: jetstream.FileStorage, Replicas: replicas,
		AllowAtomicPublish: true, AllowDirect: true}
	attempt, cancel := context.WithTimeout(ctx, setupAttemptTimeout)
	err := b.ensureStream(attempt, sc)
	cancel()
	if err == nil {
		return
	}
	go func() {
		if err := b.retrySetup(ctx, func(ctx context.Context) error { return b.ensureStream(ctx, sc) }); err != nil && ctx.Err() == nil {
			b.log.Warn("couldn't create the ledger's archive; moved files' records stay in the ledger bucket", "stream", StreamArchive, "err", err)
		}
	}()
}

// archivePause is how long Archive stops trying after a failure: a user
// the authorization does not let archive (an older authorization.conf)
// learns it only from a timeout, which each job would wait out.
const archivePause = time.Minute

// archiveTimeout bounds one Archive: on a working server it takes
// milliseconds.
const archiveTimeout = 2 * time.Second

// errArchivePaused is Archive's error while it pauses after a failure.
var errArchivePaused = errors.New("the ledger's archive failed less than a minute ago; not archiving")

// Archive stores values in the archive and waits until all are stored, in
// one atomic batch (one fsync) when there are several. An error means some
// may not be: the caller keeps them elsewhere. After a failure it pauses
// (archivePause), failing at once.
func (k *KV) Archive(ctx context.Context, values []Archived) (err error) {
	if time.Now().UnixNano() < k.archivePausedUntil.Load() {
		return errArchivePaused
	}
	// A refusal is a timeout: leave the caller time for its own write.
	wait := archiveTimeout
	if deadline, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(deadline)/2)
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	defer func() {
		if err != nil {
			k.archivePausedUntil.Store(time.Now().Add(archivePause).UnixNano())
			k.log.Warn("couldn't archive moved files' ledger records; they stay in the ledger bucket, and archiving pauses",
				"stream", StreamArchive, "pause", archivePause, "err", err)
		}
	}()
	for len(values) > 0 {
		chunk := values[:min(len(values), maxBatch)]
		values = values[len(chunk):]
		msgs := make([]*nats.Msg, len(chunk))
		for i, v := range chunk {
			msgs[i] = nats.NewMsg(ArchiveSubject(v.Shard))
			msgs[i].Header.Set(archiveKeyHeader, v.Key)
			msgs[i].Data = v.Value
		}
		var err error
		if len(msgs) == 1 {
			_, err = k.js.PublishMsg(ctx, msgs[0])
		} else {
			_, err = publishBatch(ctx, k.nc, msgs)
		}
		if err != nil {
			return fmt.Errorf("couldn't archive %d ledger values: %w", len(chunk), err)
		}
	}
	return nil
}

// ArchivedValues returns the values archived for key under shard, oldest
// first; none when there are none or there is no archive. It reads the
// shard's subject message by message (direct gets, which a crawler host's
// user may make), so it is for rare questions, not for every file.
func (k *KV) ArchivedValues(ctx context.Context, shard, key string) ([][]byte, error) {
	s, err := k.js.Stream(ctx, StreamArchive)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("couldn't open the ledger's archive: %w", err)
	}
	var vals [][]byte
	for seq := uint64(1); ; {
		m, err := s.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(ArchiveSubject(shard)))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return vals, nil
		}
		if err != nil {
			return nil, fmt.Errorf("couldn't read the ledger's archive: %w", err)
		}
		if m.Header.Get(archiveKeyHeader) == key {
			vals = append(vals, m.Data)
		}
		seq = m.Sequence + 1
	}
}

// ScanArchive calls fn for every archived value whose shard matches filter
// (a subject pattern such as "file.warcs.>"), oldest first; nothing when
// there is no archive.
func (k *KV) ScanArchive(ctx context.Context, filter string, fn func(key string, val []byte) error) error {
	s, err := k.js.Stream(ctx, StreamArchive)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("couldn't open the ledger's archive: %w", err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(ArchiveSubject(filter)))
	if err != nil {
		return fmt.Errorf("couldn't read the ledger's archive: %w", err)
	}
	if len(info.State.Subjects) == 0 {
		return nil
	}
	cons, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{ArchiveSubject(filter)}})
	if err != nil {
		return fmt.Errorf("couldn't read the ledger's archive: %w", err)
	}
	for {
		msgs, err := cons.Fetch(1000, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return fmt.Errorf("couldn't read the ledger's archive: %w", err)
		}
		n, last := 0, false
		for m := range msgs.Messages() {
			n++
			if err := fn(m.Headers().Get(archiveKeyHeader), m.Data()); err != nil {
				return err
			}
			meta, err := m.Metadata()
			if err != nil {
				return fmt.Errorf("couldn't read the ledger's archive: %w", err)
			}
			last = meta.NumPending == 0
		}
		if err := msgs.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return fmt.Errorf("couldn't read the ledger's archive: %w", err)
		}
		if last || n == 0 {
			return nil
		}
	}
}
