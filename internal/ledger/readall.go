package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
)

// Read is the records of several files of one route and host, read in one
// request (bus.KV.GetAll) for the decisions taken on each file just after;
// a small file's job decides in milliseconds, and one read per file was
// most of its cost. A file Read cannot answer for is read on its own by
// Get: one not asked for, one asked for over ReadFresh ago (a job of large
// files decides on its later files hours on), or all of them where the
// batched read failed. Every decision on a record was already made a
// moment after its read, against records that may change meanwhile; the
// writes that follow are compare-and-set on the revision read.
type Read struct {
	route, host string
	at          time.Time
	vals        map[string]bus.Value // by key; nil: the batched read failed
	asked       map[string]bool
}

// ReadFresh is how long a Read answers for a file after it was made.
const ReadFresh = 2 * time.Second

// ReadAll reads the records of files of route and host at once. It never
// fails: where the batched read does, Get reads each file later.
func (l *Ledger) ReadAll(ctx context.Context, route, host string, files []bus.File) *Read {
	rd := &Read{route: route, host: host, at: time.Now(), asked: make(map[string]bool, len(files))}
	if len(files) < 2 {
		return rd // one request either way
	}
	keys := make([]string, len(files))
	for i, f := range files {
		keys[i] = fileKey(route, host, f.Path)
		rd.asked[keys[i]] = true
	}
	if vals, err := l.kv.GetAll(ctx, keys); err == nil {
		rd.vals = vals
	}
	return rd
}

// GetFrom is Get, answered by rd where rd can (see Read); rd may be nil.
func (l *Ledger) GetFrom(ctx context.Context, rd *Read, route, host, path string) (*Record, uint64, error) {
	key := fileKey(route, host, path)
	if rd == nil || rd.vals == nil || rd.route != route || rd.host != host || !rd.asked[key] || time.Since(rd.at) > ReadFresh {
		return l.Get(ctx, route, host, path)
	}
	v, found := rd.vals[key]
	if !found {
		return nil, 0, ErrNoRecord
	}
	var r Record
	if err := json.Unmarshal(v.Data, &r); err != nil {
		return nil, 0, fmt.Errorf("couldn't decode ledger record of %s: %w", path, err)
	}
	return &r, v.Rev, nil
}
