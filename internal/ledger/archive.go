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
// at hundreds of files a second must not leave a month of them there; a
// minute covers the duplicate jobs a crash makes, which find the record
// there. Anything later finds it through Lookup, or, finding none, does
// the safe thing: copies (the copy is there and equal) and verifies again.
const MovedHold = time.Minute

// WithHold sets MovedHold, for tests of what happens once it has passed.
func (l *Ledger) WithHold(hold time.Duration) *Ledger {
	l.hold = hold
	return l
}

// archiveMoved archives the records that writes move to Moved, before they
// are written: a kill between the two leaves the archive saying moved (it
// is: the source is deleted before the record is written) and the bucket
// not, which the redelivered job repairs. If they could not be archived,
// they stay in the bucket for ledger.keep instead of for MovedHold.
func (l *Ledger) archiveMoved(ctx context.Context, writes []bus.Write) {
	var values []bus.Archived
	var moved []int
	for i, w := range writes {
		var r struct {
			State State `json:"state"`
		}
		if json.Unmarshal(w.Value, &r) == nil && r.State == Moved && strings.HasPrefix(w.Key, "file.") {
			values = append(values, bus.Archived{Shard: archiveShard(w.Key), Key: w.Key, Value: w.Value})
			moved = append(moved, i)
		}
	}
	if len(values) == 0 || l.kv.Archive(ctx, values) != nil {
		return
	}
	for _, i := range moved {
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
// the archive only when the bucket has no record, and is for rare questions
// (a source gone before its copy), not for every file.
func (l *Ledger) Lookup(ctx context.Context, route, host, path string) (*Record, error) {
	r, _, err := l.Get(ctx, route, host, path)
	if !errors.Is(err, ErrNoRecord) {
		return r, err
	}
	key := fileKey(route, host, path)
	vals, err := l.kv.ArchivedValues(ctx, archiveShard(key), key)
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		return nil, ErrNoRecord
	}
	var last Record
	if err := json.Unmarshal(vals[len(vals)-1], &last); err != nil {
		return nil, fmt.Errorf("couldn't decode archived ledger record of %s: %w", path, err)
	}
	return &last, nil
}
