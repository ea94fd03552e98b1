package dispatcher

import (
	"sort"
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
	why   string // what flushed it, for the log: full, bytes, idle or max_wait
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
			g.why = "bytes" // the new file would pass the byte cap
			full = append(full, g)
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
		g.why = "full"
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
			g.why = "max_wait"
			out = append(out, g)
			delete(b.open, k)
		}
	}
	return out
}

// load is a host's copy consumer as last read, and the jobs this dispatcher
// sent to it since.
type load struct {
	bus.Load
	sent int
}

// free is how many movers wait with no job on its way to them: each idle
// mover slot holds one pull request, and each job queued or sent since the
// reading takes one.
func (l load) free() int { return l.Waiting - l.Queued - l.sent }

// idle takes the open groups of the hosts in loads that a free mover can run
// now, oldest first and one per free mover; the rest keep filling until a cap
// or max_wait. A host missing from loads is not known to have a free mover.
func (b *batcher[T]) idle(loads map[string]load) []*group[T] {
	var out []*group[T]
	for k, g := range b.open {
		if l, ok := loads[k.host]; ok && l.free() > 0 {
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].since.Before(out[j].since) })
	taken := map[string]int{}
	kept := out[:0]
	for _, g := range out {
		if taken[g.key.host] < loads[g.key.host].free() {
			taken[g.key.host]++
			g.why = "idle"
			kept = append(kept, g)
			delete(b.open, g.key)
		}
	}
	return kept
}

// hosts lists the hosts that have a group waiting.
func (b *batcher[T]) hosts() []string {
	seen := map[string]bool{}
	var out []string
	for k := range b.open {
		if !seen[k.host] {
			seen[k.host] = true
			out = append(out, k.host)
		}
	}
	return out
}

// waiting says whether k has a group waiting.
func (b *batcher[T]) waiting(k groupKey) bool { return b.open[k] != nil }
