package bus

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
// does not wait for it (ensureStreamSoon).
func (b *Bus) setupArchive(ctx context.Context, replicas int, keep time.Duration) {
	sc := jetstream.StreamConfig{Name: StreamArchive, Subjects: []string{ArchiveSubject(">")},
		Retention: jetstream.LimitsPolicy, MaxAge: keep, Discard: jetstream.DiscardOld,
		Duplicates: 2 * time.Minute, Storage: jetstream.FileStorage, Replicas: replicas,
		AllowAtomicPublish: true, AllowDirect: true}
	b.ensureStreamSoon(ctx, sc, "couldn't create the ledger's archive; moved files' records stay in the ledger bucket")
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

// LastArchived returns the newest value archived for key under shard; nil
// when there is none, or no archive. It is for rare questions, not for every
// file: it reads the headers of the shard's values (the server filters the
// shard's subject; only the key travels) through a consumer whose filter is
// the shard (which a crawler host's user may create for its own shards
// only), then that one value.
func (k *KV) LastArchived(ctx context.Context, shard, key string) ([]byte, error) {
	var last uint64
	err := k.readArchive(ctx, ArchiveSubject(shard), 0, true, func(m jetstream.Msg, seq uint64) bool {
		if m.Headers().Get(archiveKeyHeader) == key {
			last = seq
		}
		return true
	})
	if err != nil || last == 0 {
		return nil, err
	}
	var val []byte
	err = k.readArchive(ctx, ArchiveSubject(shard), last, false, func(m jetstream.Msg, seq uint64) bool {
		if seq == last && m.Headers().Get(archiveKeyHeader) == key {
			val = m.Data()
		}
		return false
	})
	if err == nil && val == nil {
		err = fmt.Errorf("couldn't read archived value %d of %s: gone (older than ledger.keep?)", last, key)
	}
	return val, err
}

// ScanArchive calls fn for every archived value whose shard matches filter
// (a pattern such as "file.warcs.>"), oldest first, with the shard it was
// filed under; nothing when there is no archive.
func (k *KV) ScanArchive(ctx context.Context, filter string, fn func(shard, key string, val []byte) error) error {
	var ferr error
	err := k.readArchive(ctx, ArchiveSubject(filter), 0, false, func(m jetstream.Msg, _ uint64) bool {
		shard := strings.TrimPrefix(m.Subject(), ArchiveSubject(""))
		ferr = fn(shard, m.Headers().Get(archiveKeyHeader), m.Data())
		return ferr == nil
	})
	return errors.Join(err, ferr)
}

// readArchive passes each archived message on subjects matching filter to
// fn, from sequence from on (0: the first), until fn returns false or none
// is left. It counts what there is first, so it ends without waiting for
// more, and waits at most archiveReadWait for any one message (one may
// expire meanwhile).
func (k *KV) readArchive(ctx context.Context, filter string, from uint64, headersOnly bool, fn func(m jetstream.Msg, seq uint64) bool) error {
	s, err := k.js.Stream(ctx, StreamArchive)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("couldn't open the ledger's archive: %w", err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(filter))
	if err != nil {
		return fmt.Errorf("couldn't read the ledger's archive: %w", err)
	}
	if len(info.State.Subjects) == 0 || (from > 0 && from > info.State.LastSeq) {
		return nil
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}, HeadersOnly: headersOnly}
	if from > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, from
	}
	cons, err := s.OrderedConsumer(ctx, cfg)
	if err != nil {
		return fmt.Errorf("couldn't read the ledger's archive: %w", err)
	}
	msgs, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("couldn't read the ledger's archive: %w", err)
	}
	defer msgs.Stop()
	for {
		wait, cancel := context.WithTimeout(ctx, archiveReadWait)
		m, err := msgs.Next(jetstream.NextContext(wait))
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("couldn't read the ledger's archive: %w", ctx.Err())
			}
			return nil // what was counted expired meanwhile
		}
		meta, err := m.Metadata()
		if err != nil {
			return fmt.Errorf("couldn't read the ledger's archive: %w", err)
		}
		if !fn(m, meta.Sequence.Stream) || meta.NumPending == 0 {
			return nil
		}
	}
}

// archiveReadWait bounds readArchive's wait for one message.
const archiveReadWait = 2 * time.Second
