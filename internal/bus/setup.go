package bus

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Defaults of DeadLimits: a flood of dead letters (a forger, or a config
// mistake failing every file) must not fill the disk JetStream shares with
// the work queues. The ledger keeps every failed file's record regardless.
const (
	DefaultDeadMaxMsgs  = 100000
	DefaultDeadMaxBytes = 1 << 30
	DefaultDeadMaxAge   = 90 * 24 * time.Hour
)

// DeadLimits bound FERRY_DEAD; past any of them the oldest letters are
// dropped. Zero fields take the defaults; -1 for MaxMsgs or MaxBytes means
// no limit. Lowering a limit drops the oldest letters at the next start.
type DeadLimits struct {
	MaxMsgs  int64
	MaxBytes int64
	MaxAge   time.Duration
}

func (l DeadLimits) orDefaults() DeadLimits {
	if l.MaxMsgs == 0 {
		l.MaxMsgs = DefaultDeadMaxMsgs
	}
	if l.MaxBytes == 0 {
		l.MaxBytes = DefaultDeadMaxBytes
	}
	if l.MaxAge == 0 {
		l.MaxAge = DefaultDeadMaxAge
	}
	return l
}

// setup creates the streams and the ledger bucket, or checks they are as
// wanted, whichever daemon comes first. A stream made by an older ferry
// (FERRY_DEAD without limits) is updated.
func (b *Bus) setup(ctx context.Context, replicas int, dead DeadLimits, ledgerKeep time.Duration) error {
	dead = dead.orDefaults()
	streams := []jetstream.StreamConfig{
		{Name: StreamClosed, Subjects: []string{"ferry.closed.>"}, Retention: jetstream.WorkQueuePolicy,
			Duplicates: 2 * time.Minute, AllowAtomicPublish: true,
			Storage: jetstream.MemoryStorage, MaxBytes: closedMaxBytes, Discard: jetstream.DiscardNew},
		{Name: StreamJobs, Subjects: []string{"ferry.copy.>", "ferry.verify.>"}, Retention: jetstream.WorkQueuePolicy,
			Duplicates: 10 * time.Minute},
		{Name: StreamDead, Subjects: []string{"ferry.dead.>"}, Retention: jetstream.LimitsPolicy,
			Duplicates: 10 * time.Minute, MaxMsgs: dead.MaxMsgs, MaxBytes: dead.MaxBytes, MaxAge: dead.MaxAge,
			Discard: jetstream.DiscardOld},
	}
	for _, sc := range streams {
		sc.Replicas = replicas
		err := b.retrySetup(ctx, func(ctx context.Context) error { return b.ensureStream(ctx, sc) })
		if isMemoryRefused(err) && sc.Storage == jetstream.MemoryStorage {
			b.log.Warn("the NATS server has no room for a stream in memory; keeping it on disk (slower for small files)",
				"stream", sc.Name, "err", err)
			sc.Storage = jetstream.FileStorage
			err = b.retrySetup(ctx, func(ctx context.Context) error { return b.ensureStream(ctx, sc) })
		}
		if err != nil {
			return fmt.Errorf("couldn't create stream %s: %w", sc.Name, err)
		}
		if sc.Name == StreamClosed {
			b.closed = sc
		}
	}
	b.setupEvents(ctx, replicas)
	b.setupArchive(ctx, replicas, ledgerKeep)
	var kv jetstream.KeyValue
	var allowTTL bool
	err := b.retrySetup(ctx, func(ctx context.Context) (err error) {
		kv, allowTTL, err = b.ensureLedger(ctx, jetstream.KeyValueConfig{
			Bucket: LedgerBucket, History: 1, Storage: jetstream.FileStorage, Replicas: replicas,
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("couldn't create ledger bucket: %w", err)
	}
	b.kv = &KV{kv: kv, js: b.js, nc: b.nc, bucket: LedgerBucket, allowTTL: allowTTL, log: b.log}
	return nil
}

// ensureStream creates or updates a stream unless it is already as wanted,
// so a daemon whose NATS user may only read stream info (a crawler host
// under configs/nats/authorization.conf) starts once an admin set it up.
func (b *Bus) ensureStream(ctx context.Context, want jetstream.StreamConfig) error {
	if s, err := b.js.Stream(ctx, want.Name); err == nil {
		have := s.CachedInfo().Config
		older := have.Storage != want.Storage
		if older {
			// A stream's storage cannot change in place (FERRY_CLOSED made on
			// disk by an older ferry): it keeps it, and works as before.
			b.log.Info("a stream keeps the storage it was made with", "stream", want.Name,
				"storage", have.Storage.String(), "ferry_makes_it", want.Storage.String())
			want.Storage = have.Storage
		}
		if slices.Equal(have.Subjects, want.Subjects) && have.Retention == want.Retention &&
			have.Storage == want.Storage && have.Replicas == want.Replicas && have.Duplicates == want.Duplicates {
			limits := sameLimits(have, want)
			if limits && have.AllowAtomicPublish == want.AllowAtomicPublish {
				return nil
			}
			if limits {
				// Only batches are missing, which publishers fall back from: a
				// user who may not update streams (a crawler host) goes on.
				if _, err := b.js.UpdateStream(ctx, want); err != nil {
					b.log.Warn("couldn't allow atomic batches on a stream; publishing one by one", "stream", want.Name, "err", err)
				}
				return nil
			}
			if older {
				// The stream an older ferry made on disk (FERRY_CLOSED) has
				// none of the limits ferry now sets with memory storage, and
				// works as it did without them: a user who may not update
				// streams (a crawler host upgraded before the dispatcher)
				// goes on.
				if _, err := b.js.UpdateStream(ctx, want); err != nil {
					b.log.Warn("couldn't set a stream's limits; it works without them", "stream", want.Name, "err", err)
				}
				return nil
			}
		}
	}
	_, err := b.js.CreateOrUpdateStream(ctx, want)
	return err
}

// ensureStreamSoon is ensureStream for a stream the daemon works without:
// after one failed attempt it goes on and keeps trying in the background (a
// crawler host's user may only see the stream once the dispatcher made it;
// a fresh cluster may not answer yet), and logs giveUp if it gives up.
func (b *Bus) ensureStreamSoon(ctx context.Context, sc jetstream.StreamConfig, giveUp string) {
	attempt, cancel := context.WithTimeout(ctx, setupAttemptTimeout)
	err := b.ensureStream(attempt, sc)
	cancel()
	if err == nil {
		return
	}
	go func() {
		if err := b.retrySetup(ctx, func(ctx context.Context) error { return b.ensureStream(ctx, sc) }); err != nil && ctx.Err() == nil {
			b.log.Warn(giveUp, "stream", sc.Name, "err", err)
		}
	}()
}

// remakeClosed makes FERRY_CLOSED again where it vanished and says whether
// it is there now: kept in memory, it is gone after a restart of a NATS
// server outside a cluster, which keeps no memory stream, not even its
// config. A crawler's user may not make streams; the dispatcher makes it,
// as its consumer finds the stream gone.
func (b *Bus) remakeClosed(ctx context.Context, cause error) bool {
	if b.closed.Name == "" {
		return false
	}
	attempt, cancel := context.WithTimeout(ctx, setupAttemptTimeout)
	defer cancel()
	if err := b.ensureStream(attempt, b.closed); err != nil {
		b.log.Debug("couldn't make the stream again", "stream", StreamClosed, "err", err)
		return false
	}
	b.log.Warn("the stream was gone (kept in memory, a NATS restart loses it); made it again",
		"stream", StreamClosed, "cause", cause)
	return true
}

// closedMaxBytes bounds FERRY_CLOSED, kept in memory: the watchers' windows
// (max_queued per route and host) keep it far below; past it announcements
// are refused, and watchers keep them and try again.
const closedMaxBytes = 256 << 20

// isMemoryRefused reports whether the server refused a stream for want of
// memory (a cluster whose max_memory_store is small or zero).
func isMemoryRefused(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) &&
		(apiErr.ErrorCode == jsErrInsufficientResources || apiErr.ErrorCode == jsErrMemoryResourcesExceeded)
}

// JetStream's error codes for a server without room (nats-server's
// JSInsufficientResourcesErr and JSMemoryResourcesExceededErr).
const (
	jsErrInsufficientResources   jetstream.ErrorCode = 10023
	jsErrMemoryResourcesExceeded jetstream.ErrorCode = 10028
)

// sameLimits compares the limits ferry sets; the server reports an unset
// (zero) count or size as -1.
func sameLimits(have, want jetstream.StreamConfig) bool {
	unset := func(n int64) int64 {
		if n == 0 {
			return -1
		}
		return n
	}
	return unset(have.MaxMsgs) == unset(want.MaxMsgs) && unset(have.MaxBytes) == unset(want.MaxBytes) &&
		have.MaxAge == want.MaxAge && have.Discard == want.Discard
}

// ensureLedger is ensureStream for the ledger bucket. Its stream also takes
// atomic batches (KV.WriteAll) and per-record TTLs (moved files' records
// expire after ledger.keep).
// allowTTL reports whether the stream took them.
//
// A bucket that exists is never passed to CreateOrUpdateKeyValue: its config
// lacks the TTL flag, and the server refuses to turn TTLs off again (10052),
// so a daemon started beside the one that turned them on would fail for
// good. The stream is updated from its own config instead.
func (b *Bus) ensureLedger(ctx context.Context, want jetstream.KeyValueConfig) (kv jetstream.KeyValue, allowTTL bool, err error) {
	kv, err = b.js.KeyValue(ctx, want.Bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		// Another daemon creating it first makes this a 10058, which
		// retrySetup retries: the next look finds the bucket.
		kv, err = b.js.CreateKeyValue(ctx, want)
	}
	if err != nil {
		return nil, false, err
	}
	s, err := b.js.Stream(ctx, "KV_"+want.Bucket)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		// The bucket was just found or made, on a cluster whose nodes do
		// not agree on it yet (R3 streams created together): retry.
		return nil, false, fmt.Errorf("%w: %w", errSetupRace, err)
	}
	if err != nil {
		return nil, false, err
	}
	have := s.CachedInfo().Config
	if have.Storage != want.Storage {
		return nil, false, fmt.Errorf("ledger bucket %s is stored on %s, not %s; it cannot be converted in place", want.Bucket, have.Storage, want.Storage)
	}
	shaped := have.Replicas == want.Replicas && have.MaxMsgsPerSubject == int64(want.History)
	if shaped && have.AllowAtomicPublish && have.AllowMsgTTL {
		return kv, true, nil
	}
	cfg := have
	cfg.Replicas, cfg.MaxMsgsPerSubject = want.Replicas, int64(want.History)
	cfg.AllowAtomicPublish, cfg.AllowMsgTTL = true, true
	if _, err := b.js.UpdateStream(ctx, cfg); err != nil {
		if !shaped {
			return nil, false, err
		}
		// Without them writes go one by one and records never expire: a
		// user who may not update streams (a crawler host) goes on.
		b.log.Warn("couldn't allow atomic batches and TTLs in the ledger; records will not expire", "err", err)
		return kv, have.AllowMsgTTL, nil
	}
	return kv, true, nil
}

// Bounds of retrySetup: all attempts, and each one.
const (
	setupTimeout        = time.Minute
	setupAttemptTimeout = 2 * time.Second
)

// retrySetup runs create until it succeeds, fails for good, or setupTimeout
// passes. On a fresh cluster, daemons started together race to create the
// same R3 streams and the losers' requests go unanswered; a leader election
// makes the API briefly unavailable too. Both pass on a retry, and create is
// idempotent, so an attempt is not left to wait for long.
func (b *Bus) retrySetup(ctx context.Context, create func(context.Context) error) error {
	deadline := time.Now().Add(setupTimeout)
	delay := 250 * time.Millisecond
	for {
		attempt, cancel := context.WithTimeout(ctx, setupAttemptTimeout)
		err := create(attempt)
		cancel()
		if err == nil || !Unavailable(err) || ctx.Err() != nil || time.Now().After(deadline) {
			return err
		}
		b.log.Warn("couldn't set up JetStream yet; retrying", "err", err, "retry_in", delay)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		delay = min(2*delay, 4*time.Second)
	}
}

// transientAPIErrors are the JetStream API errors a retry may cure: results
// incomplete (10004), the cluster temporarily unavailable (10008) or not led
// (10009), as while its meta leader is elected; and a stream name in use
// with another config (10058), which is a daemon started beside this one
// creating the stream and updating it (batches, TTLs) between this one's
// look and its create: the retry finds it and takes it as it is.
var transientAPIErrors = []jetstream.ErrorCode{10004, 10008, 10009, 10058}

// errSetupRace marks a set-up error that another daemon's set-up beside
// this one explains, which a retry cures.
var errSetupRace = errors.New("set up beside another daemon")

// Unavailable reports whether err means NATS did not answer in time or is
// briefly unable to (a node lost, a leader being elected), so the request
// may succeed later: a timeout, no responder yet, or one of
// transientAPIErrors. A refusal such as too few servers for the replicas is
// final.
func Unavailable(err error) bool {
	if errors.Is(err, errSetupRace) {
		return true
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		// No peers for placement only because one is offline: a node
		// restarting or still joining, as when a cluster starts.
		offline := apiErr.ErrorCode == 10005 && strings.HasSuffix(apiErr.Description, "no suitable peers for placement, peer offline")
		return offline || slices.Contains(transientAPIErrors, apiErr.ErrorCode)
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse)
}
