package main

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/ferrydata/ferry/internal/ledger"
)

// tally counts the outcomes of `ferry run --once` as the ledger records
// them, from a watch of its file records: waiting costs nothing per file
// still to settle, and nothing is kept per file but the failed ones (a
// duplicate job may still move a file that failed).
type tally struct {
	stop   func()
	routes map[string]string // route -> the host announced with its files

	mu       sync.Mutex
	sum      summary           // outcomes, of this run and settled before it
	done     int               // outcomes of this run
	expected int               // outcomes of this run to wait for, from the last scan
	failed   map[string]string // ledger keys counted as failed in this run, and why
}

// followLedger starts counting; call it before the first scan, so no
// outcome of a file that scan announces is missed.
func followLedger(ctx context.Context, sys *system) (*tally, error) {
	t := &tally{routes: map[string]string{}, failed: map[string]string{}, sum: summary{Reasons: map[string]int{}}}
	for _, r := range sys.cfg.Routes {
		t.routes[r.Name] = r.RouteHost(sys.cfg.Host)
	}
	stop, err := sys.bus.Ledger().Follow(ctx, ledger.FileKeys(""), t.record)
	if err != nil {
		return nil, err
	}
	t.stop = stop
	return t, nil
}

// record counts one ledger write, if it settles a file of this run's routes.
func (t *tally) record(key string, val []byte) {
	var r ledger.Record
	if json.Unmarshal(val, &r) != nil || !r.State.Done() {
		return // not a file record this run can use, or not settled
	}
	if host, ok := t.routes[r.Route]; !ok || host != r.Host {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if reason, ok := t.failed[key]; ok {
		if r.State == ledger.Failed {
			return // failed again: counted once
		}
		delete(t.failed, key) // a duplicate job succeeded after all
		t.sum.Failed--
		t.sum.Reasons[reason]--
		if t.sum.Reasons[reason] == 0 {
			delete(t.sum.Reasons, reason)
		}
		t.done--
	}
	if r.State == ledger.Failed {
		t.failed[key] = r.Reason
	}
	t.count(&r)
	t.done++
}

// before counts a file settled before this run began.
func (t *tally) before(r *ledger.Record) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.count(r)
	t.sum.Files++
}

func (t *tally) count(r *ledger.Record) {
	switch r.State {
	case ledger.Moved:
		t.sum.Moved++
		t.sum.Bytes += r.Size
	case ledger.Verified:
		t.sum.Kept++
		t.sum.Bytes += r.Size
	case ledger.Failed:
		t.sum.Failed++
		t.sum.Reasons[r.Reason]++
	}
}

// doneSoFar is how many files this run has settled.
func (t *tally) doneSoFar() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.done
}

// expect sets how many outcomes this run waits for: those counted before a
// scan began and the files that scan found still to settle.
func (t *tally) expect(n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sum.Files += n - t.expected
	t.expected = n
}

// pending is how many files are still to settle.
func (t *tally) pending() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return max(t.expected-t.done, 0)
}

// settled reports whether as many files settled as were waited for. The
// count may include a file no scan found (a job queued before the run), so
// the run ends only when the queues are empty too.
func (t *tally) settled() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.done >= t.expected
}

func (t *tally) summary() summary {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.sum
	s.Reasons = make(map[string]int, len(t.sum.Reasons))
	for k, v := range t.sum.Reasons {
		s.Reasons[k] = v
	}
	return s
}
