package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
)

// ErrNoRecord means the ledger has never heard of the file.
var ErrNoRecord = errors.New("no ledger record")

// Ledger reads and writes file records and job attempt counts.
type Ledger struct {
	kv  *bus.KV
	now func() time.Time
}

// New returns a ledger over the bus's key-value bucket.
func New(kv *bus.KV) *Ledger { return &Ledger{kv: kv, now: time.Now} }

// Get returns a file's record and its revision, or ErrNoRecord.
func (l *Ledger) Get(ctx context.Context, route, host, path string) (*Record, uint64, error) {
	val, rev, err := l.kv.Get(ctx, bus.FileKey(route, host, path))
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
	old, rev, err := l.Get(ctx, route, host, f.Path)
	if err != nil && !errors.Is(err, ErrNoRecord) {
		return false, err
	}
	now := l.now().UTC()
	if !ShouldAnnounce(old, f, now, p) {
		return false, nil
	}
	r := Record{Route: route, Host: host, State: Closed, Created: now, Updated: now}
	r.version(f)
	val, err := json.Marshal(r)
	if err != nil {
		return false, err
	}
	key := bus.FileKey(route, host, f.Path)
	if old == nil {
		_, err = l.kv.Create(ctx, key, val)
	} else {
		_, err = l.kv.Update(ctx, key, val, rev)
	}
	if errors.Is(err, bus.ErrKeyTaken) {
		return false, nil // someone else announced or advanced it just now
	}
	return err == nil, err
}

// Set moves a file's record to state, keeping what is known of it.
// edit, if not nil, changes more fields before the write. A final state is
// never undone by a late or duplicate job: a moved file stays moved, a
// verified one changes only to moved (its route deletes sources now), and a
// dead-lettered one only to moved or verified (a duplicate job succeeded).
// The write is a compare-and-set, retried when another role wrote first.
func (l *Ledger) Set(ctx context.Context, route, host string, f bus.File, state State, edit func(*Record)) error {
	key := bus.FileKey(route, host, f.Path)
	for {
		r, rev, err := l.Get(ctx, route, host, f.Path)
		switch {
		case errors.Is(err, ErrNoRecord) || (err == nil && !r.Same(f)):
			r = &Record{Route: route, Host: host, Created: l.now().UTC()}
			r.version(f)
		case err != nil:
			return err
		case !mayChange(r.State, state):
			return nil
		}
		r.State, r.Updated = state, l.now().UTC()
		if f.Hash != "" {
			r.Hash = f.Hash
		}
		if edit != nil {
			edit(r)
		}
		val, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if rev == 0 {
			_, err = l.kv.Create(ctx, key, val)
		} else {
			_, err = l.kv.Update(ctx, key, val, rev)
		}
		if !errors.Is(err, bus.ErrKeyTaken) {
			return err
		}
	}
}

// mayChange says whether a record in state from may go to state to.
func mayChange(from, to State) bool {
	switch from {
	case Moved:
		return false
	case Verified:
		return to == Moved
	case Failed:
		return to == Failed || to == Moved || to == Verified
	}
	return true
}

// Records calls fn for every file record, of one route or all ("").
func (l *Ledger) Records(ctx context.Context, route string, fn func(*Record) error) error {
	filter := "file.>"
	if route != "" {
		filter = "file." + route + ".>"
	}
	return l.kv.Scan(ctx, filter, func(key string, val []byte) error {
		var r Record
		if err := json.Unmarshal(val, &r); err != nil {
			return fmt.Errorf("couldn't decode ledger record %s: %w", key, err)
		}
		return fn(&r)
	})
}

// Reset forgets a file, so the watcher announces it again if it is still on
// disk: how an operator replays a dead-lettered file.
func (l *Ledger) Reset(ctx context.Context, route, host, path string) error {
	return l.kv.Delete(ctx, bus.FileKey(route, host, path))
}

// SetAll is Set for several files of one route and host that reach the same
// state together (the files of a job finished at once). errs[i] is files[i]'s
// error; errs is nil when every write succeeded.
func (l *Ledger) SetAll(ctx context.Context, route, host string, files []bus.File, state State, edit func(*Record)) (errs []error) {
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
