package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/parallel"
)

// ErrNoRecord means the ledger has never heard of the file.
var ErrNoRecord = errors.New("no ledger record")

// Ledger reads and writes file records and job attempt counts.
type Ledger struct {
	kv   *bus.KV
	now  func() time.Time
	keep time.Duration // how long a moved file's record is kept; 0: for ever
	hold time.Duration // how long it stays in the bucket once archived
}

// DefaultKeep is how long a moved file's record is kept unless the config
// says otherwise (ledger.keep).
const DefaultKeep = 30 * 24 * time.Hour

// New returns a ledger over the bus's key-value bucket that keeps moved
// files' records for DefaultKeep.
func New(kv *bus.KV) *Ledger {
	return &Ledger{kv: kv, now: time.Now, keep: DefaultKeep, hold: MovedHold}
}

// Keep is how long a moved file's record is kept; 0 means for ever.
func (l *Ledger) Keep() time.Duration { return l.keep }

// WithKeep sets how long a moved file's record is kept; 0 keeps it for ever.
func (l *Ledger) WithKeep(keep time.Duration) *Ledger {
	l.keep = keep
	return l
}

// Get returns a file's record and its revision, or ErrNoRecord.
func (l *Ledger) Get(ctx context.Context, route, host, path string) (*Record, uint64, error) {
	val, rev, err := l.kv.Get(ctx, fileKey(route, host, path))
	if errors.Is(err, bus.ErrNoKey) {
		return nil, 0, ErrNoRecord
	}
	if err != nil {
		return nil, 0, err
	}
	var r Record
	if err := json.Unmarshal(val, &r); err != nil {
		return nil, 0, fmt.Errorf("couldn't decode ledger record of %s: %w", path, err)
	}
	return &r, rev, nil
}

// Announce records a closed file unless it is already known and in flight.
// It reports whether the caller should publish the file. The write is a
// compare-and-set, so a racing rescan and event announce a file once.
func (l *Ledger) Announce(ctx context.Context, route, host string, f bus.File, p Policy) (bool, error) {
	w, announce, err := l.announcement(ctx, nil, route, host, f, p)
	if err != nil || !announce {
		return false, err
	}
	err = l.write(ctx, w)
	if errors.Is(err, bus.ErrKeyTaken) {
		return false, nil // someone else announced or advanced it just now
	}
	return err == nil, err
}

// AnnounceAll is Announce for several files of one route and host (a scan
// finding a backlog): their records are written in one atomic batch, or, if
// that fails, one by one. announce[i] says whether to publish files[i]; a
// file whose record could not be written is not announced, and err says why.
func (l *Ledger) AnnounceAll(ctx context.Context, route, host string, files []bus.File, p Policy) (announce []bool, err error) {
	announce = make([]bool, len(files))
	if len(files) > 1 && len(files) <= maxBatch {
		// The reads are round trips, not writes: they go several at once.
		rd := l.ReadAll(ctx, route, host, files)
		found := make([]bus.Write, len(files))
		errs := make([]error, len(files))
		parallel.Each(len(files), readsInFlight, func(i int) {
			found[i], announce[i], errs[i] = l.announcement(ctx, rd, route, host, files[i], p)
		})
		writes := make([]bus.Write, 0, len(files))
		for i, w := range found {
			if announce[i] {
				writes = append(writes, w)
			}
		}
		if errors.Join(errs...) == nil {
			if _, err := l.kv.WriteAll(ctx, writes); err == nil {
				return announce, nil
			}
		}
	}
	var errs []error
	for i, f := range files {
		ok, err := l.Announce(ctx, route, host, f, p)
		announce[i] = ok
		if err != nil {
			errs = append(errs, err)
		}
	}
	return announce, errors.Join(errs...)
}

// announcement returns the write that records f as closed, or false when
// the ledger says it must not be announced.
func (l *Ledger) announcement(ctx context.Context, rd *Read, route, host string, f bus.File, p Policy) (bus.Write, bool, error) {
	old, rev, err := l.GetFrom(ctx, rd, route, host, f.Path)
	if err != nil && !errors.Is(err, ErrNoRecord) {
		return bus.Write{}, false, err
	}
	now := l.now().UTC()
	if !ShouldAnnounce(old, f, now, p) {
		return bus.Write{}, false, nil
	}
	r := Record{Route: route, Host: host, State: Announced, Created: now, Updated: now}
	if old != nil && old.Same(f) {
		// Announced again (its job was lost, or an operator replayed it):
		// the same file, so its history goes on.
		r.Created, r.Trail = old.Created, old.Trail
	}
	r.version(f)
	r.step()
	val, err := json.Marshal(r)
	if err != nil {
		return bus.Write{}, false, err
	}
	return bus.Write{Key: fileKey(route, host, f.Path), Value: val, Rev: rev}, true, nil
}

// Set moves a file's record to state, keeping what is known of it.
// edit, if not nil, changes more fields before the write. A final state is
// never undone by a late or duplicate job: a moved file stays moved, a
// verified one changes only to moved (its route deletes sources now), and a
// dead-lettered one only to moved or verified (a duplicate job succeeded).
// The write is a compare-and-set, retried when another role wrote first.
func (l *Ledger) Set(ctx context.Context, route, host string, f bus.File, state State, edit func(*Record)) error {
	for {
		w, change, err := l.change(ctx, nil, route, host, f, state, edit)
		if err != nil || !change {
			return err
		}
		if state == Moved {
			one := []bus.Write{w}
			l.archiveMoved(ctx, one)
			w = one[0]
		}
		if err := l.write(ctx, w); !errors.Is(err, bus.ErrKeyTaken) {
			return err
		}
	}
}

// write stores one record as a compare-and-set. A new key goes through
// Create, which also takes over a key whose last value was deleted.
func (l *Ledger) write(ctx context.Context, w bus.Write) error {
	if w.Rev == 0 {
		_, err := l.kv.Create(ctx, w.Key, w.Value, w.TTL)
		return err
	}
	_, err := l.kv.WriteAll(ctx, []bus.Write{w})
	return err
}

// change reads a file's record and returns the write that moves it to
// state, or change false when the record may not change (a final state).
func (l *Ledger) change(ctx context.Context, rd *Read, route, host string, f bus.File, state State, edit func(*Record)) (w bus.Write, change bool, err error) {
	r, rev, err := l.GetFrom(ctx, rd, route, host, f.Path)
	switch {
	case errors.Is(err, ErrNoRecord) || (err == nil && !r.Same(f)):
		r = &Record{Route: route, Host: host, Created: l.now().UTC()}
		r.version(f)
	case err != nil:
		return w, false, err
	case !mayChange(r.State, state):
		return w, false, nil
	}
	r.State, r.Updated = state, l.now().UTC()
	if f.Hash != "" {
		r.Hash = f.Hash
	}
	if edit != nil {
		edit(r)
	}
	r.step()
	val, err := json.Marshal(r)
	if err != nil {
		return w, false, err
	}
	w = bus.Write{Key: fileKey(route, host, f.Path), Value: val, Rev: rev}
	if r.State == Moved {
		// The source is gone, so nothing will look for this record but an
		// operator asking where the file went, or a late duplicate job:
		// keep it for ledger.keep only (archiveMoved shortens that).
		w.TTL = l.keep
	}
	return w, true, nil
}

// Records calls fn for every file record, of one route or all (""), one
// per file as the bucket keeps them: the bucket's, then, for a file the
// bucket no longer holds, its last record in the archive. An archived value
// filed under another file's shard (forged by a host for another) is left
// out.
func (l *Ledger) Records(ctx context.Context, route string, fn func(*Record) error) error {
	live := map[string]bool{}
	err := l.kv.Scan(ctx, FileKeys(route), func(key string, val []byte) error {
		var r Record
		if err := json.Unmarshal(val, &r); err != nil {
			return fmt.Errorf("couldn't decode ledger record %s: %w", key, err)
		}
		live[key] = true
		return fn(&r)
	})
	if err != nil {
		return err
	}
	archived := map[string]*Record{}
	var order []string
	err = l.kv.ScanArchive(ctx, FileKeys(route), func(shard, key string, val []byte) error {
		var r Record
		if json.Unmarshal(val, &r) != nil || fileKey(r.Route, r.Host, r.Path) != key || archiveShard(key) != shard {
			return nil // not a record of the file it is filed as
		}
		if live[key] {
			return nil
		}
		if archived[key] == nil {
			order = append(order, key)
		}
		archived[key] = &r // oldest first: the last is the newest
		return nil
	})
	if err != nil {
		return err
	}
	for _, key := range order {
		if err := fn(archived[key]); err != nil {
			return err
		}
	}
	return nil
}

// Reset replays a file: its record goes to Replayed, with a fresh attempt
// count and its trail kept, so the watcher announces it again if it is
// still on disk (and `ferry status PATH` still shows how it failed). A
// replayed file no longer on disk is forgotten after ledger.keep, as a
// moved one is. No record: nothing to do.
func (l *Ledger) Reset(ctx context.Context, route, host, path string) error {
	for {
		r, rev, err := l.Get(ctx, route, host, path)
		if errors.Is(err, ErrNoRecord) {
			return nil
		}
		if err != nil {
			return err
		}
		r.State, r.Updated = Replayed, l.now().UTC()
		r.JobID, r.Attempts, r.Reason, r.LastError, r.Hash, r.Checks = "", 0, "", "", "", nil
		r.step()
		val, err := json.Marshal(r)
		if err != nil {
			return err
		}
		err = l.write(ctx, bus.Write{Key: fileKey(route, host, path), Value: val, Rev: rev, TTL: l.keep})
		if !errors.Is(err, bus.ErrKeyTaken) {
			return err
		}
	}
}

// SetAll is Set for several files of one route and host that reach the same
// state together (the files of a job finished at once). Their records are
// written in one atomic batch, one round trip and one fsync for them all;
// if the batch fails (another role wrote one of them first, or the server
// refused it), each file is set on its own. errs[i] is files[i]'s error;
// errs is nil when every write succeeded.
func (l *Ledger) SetAll(ctx context.Context, route, host string, files []bus.File, state State, edit func(*Record)) (errs []error) {
	if len(files) > 1 && len(files) <= maxBatch {
		writes := make([]bus.Write, 0, len(files))
		ok := true
		rd := l.ReadAll(ctx, route, host, files)
		for _, f := range files {
			w, change, err := l.change(ctx, rd, route, host, f, state, edit)
			if err != nil || (change && w.Rev == 0) {
				ok = false // a new record may meet a tombstone: Set handles that
				break
			}
			if change {
				writes = append(writes, w)
			}
		}
		if ok {
			if state == Moved {
				l.archiveMoved(ctx, writes)
			}
			if _, err := l.kv.WriteAll(ctx, writes); err == nil {
				return nil
			}
		}
	}
	for i, f := range files {
		if err := l.Set(ctx, route, host, f, state, edit); err != nil {
			if errs == nil {
				errs = make([]error, len(files))
			}
			errs[i] = err
		}
	}
	return errs
}

// readsInFlight bounds AnnounceAll's concurrent record reads.
const readsInFlight = 16

// maxBatch bounds one SetAll batch: the server's default limit.
const maxBatch = 1000
