package dispatcher

import (
	"time"

	"github.com/ferrydata/ferry/internal/bus"
)

// Limits bound one job.
type Limits struct {
	Files   int
	Bytes   int64
	MaxWait time.Duration
}

// groupKey is what files of one job share.
type groupKey struct{ route, host string }

// item is one file waiting for its job; ref is what the caller must
// acknowledge once the job is out (a message, in the dispatcher).
type item[T any] struct {
	file bus.File
	ref  T
}

type group[T any] struct {
	key   groupKey
	items []item[T]
	bytes int64
	since time.Time
}

// batcher is the pure batching decision: no clocks, no I/O.
type batcher[T any] struct {
	limits func(route string) Limits
	open   map[groupKey]*group[T]
}

func newBatcher[T any](limits func(route string) Limits) *batcher[T] {
	return &batcher[T]{limits: limits, open: map[groupKey]*group[T]{}}
}

// add puts a file in its group and returns the groups that are now complete.
// A path already waiting in the group is a duplicate: it is returned in dup
// so the caller can acknowledge it without a second copy.
func (b *batcher[T]) add(k groupKey, it item[T], now time.Time) (full []*group[T], dup bool) {
	lim := b.limits(k.route)
	g := b.open[k]
	if g != nil {
		for _, have := range g.items {
			if have.file.Path == it.file.Path {
				return nil, true
			}
		}
		if g.bytes+it.file.Size > lim.Bytes {
			full = append(full, g) // the new file would pass the byte cap
			delete(b.open, k)
			g = nil
		}
	}
	if g == nil {
		g = &group[T]{key: k, since: now}
		b.open[k] = g
	}
	g.items = append(g.items, it)
	g.bytes += it.file.Size
	if len(g.items) >= lim.Files || g.bytes >= lim.Bytes {
		full = append(full, g)
		delete(b.open, k)
	}
	return full, false
}

// due returns the groups that have waited max_wait, or all when all is set.
func (b *batcher[T]) due(now time.Time, all bool) []*group[T] {
	var out []*group[T]
	for k, g := range b.open {
		if all || now.Sub(g.since) >= b.limits(k.route).MaxWait {
			out = append(out, g)
			delete(b.open, k)
		}
	}
	return out
}
