package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
)

// MovedHold is how long a moved file's record stays in the bucket once it
// is in the archive (bus.StreamArchive, where it stays for ledger.keep).
// The bucket's server holds every live key in memory, so a backlog drained
// at hundreds of files a second must not leave a month of them there. Within
// the hold, a stale listing or a duplicate job finds the record in the
// bucket, as before there was an archive; later ones (a job redelivered
// after retry.ack_wait) find the source gone and ask the archive (WasMoved):
// moved, so nothing is owed and nothing is dead-lettered.
const MovedHold = time.Minute

// WithHold sets MovedHold, for tests of what happens once it has passed.
func (l *Ledger) WithHold(hold time.Duration) *Ledger {
	l.hold = hold
	return l
}

// archiveMoved archives the records of writes, which move files to Moved,
// before they are written: a kill between the two leaves the archive saying
// moved (it is: the source is deleted before the record is written) and the
// bucket not, which the redelivered job repairs. If they could not be
// archived, they stay in the bucket for ledger.keep instead of for
// MovedHold.
func (l *Ledger) archiveMoved(ctx context.Context, writes []bus.Write) {
	if len(writes) == 0 {
		return
	}
	values := make([]bus.Archived, len(writes))
	for i, w := range writes {
		values[i] = bus.Archived{Shard: archiveShard(w.Key), Key: w.Key, Value: w.Value}
	}
	if l.kv.Archive(ctx, values) != nil {
		return
	}
	for i := range writes {
		writes[i].TTL = l.hold
	}
}

// archiveShard is a file key's shard in the archive: its route and host
// (so a host's records have subjects of their own) and 256 shards of its
// path hash, so that finding one file reads 1/256 of its host's records.
func archiveShard(key string) string {
	cut := strings.LastIndexByte(key, '.')
	return key[:cut+1] + key[cut+1:cut+3]
}

// Lookup returns a file's record from the bucket or, once it left the
// bucket, the last one archived; ErrNoRecord if neither has one. It reads
// the archive only when the bucket has no record, and is for rare questions,
// not for every file.
func (l *Ledger) Lookup(ctx context.Context, route, host, path string) (*Record, error) {
	r, _, err := l.Get(ctx, route, host, path)
	if !errors.Is(err, ErrNoRecord) {
		return r, err
	}
	return l.archived(ctx, route, host, path)
}

// WasMoved reports whether the archive says this version of f was moved
// (its source verified and deleted): the question of a late duplicate job
// that finds the source gone once the moved record has left the bucket, or
// a stale announcement or duplicate job wrote a newer record over it there.
// An archive it cannot read says no.
func (l *Ledger) WasMoved(ctx context.Context, route, host string, f bus.File) bool {
	r, err := l.archived(ctx, route, host, f.Path)
	return err == nil && r.State == Moved && r.Same(f)
}

// archived returns the last record archived for a file, or ErrNoRecord.
func (l *Ledger) archived(ctx context.Context, route, host, path string) (*Record, error) {
	key := fileKey(route, host, path)
	val, err := l.kv.LastArchived(ctx, archiveShard(key), key)
	if err != nil {
		return nil, err
	}
	if val == nil {
		return nil, ErrNoRecord
	}
	var r Record
	if err := json.Unmarshal(val, &r); err != nil {
		return nil, fmt.Errorf("couldn't decode archived ledger record of %s: %w", path, err)
	}
	return &r, nil
}
