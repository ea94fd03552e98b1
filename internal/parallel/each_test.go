package parallel

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Each calls every index once, never more than limit at a time, and does
// reach limit at a time: the first calls wait until limit of them run, which
// would never happen one at a time.
func TestEach(t *testing.T) {
	for _, tt := range []struct{ n, limit, want int }{{10, 3, 3}, {2, 5, 2}, {4, 0, 1}, {0, 4, 0}} {
		var running, peak atomic.Int32
		calls := make([]atomic.Int32, tt.n)
		var reached sync.WaitGroup
		reached.Add(tt.want)
		var first atomic.Int32
		Each(tt.n, tt.limit, func(i int) {
			now := running.Add(1)
			defer running.Add(-1)
			for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
			}
			calls[i].Add(1)
			if first.Add(1) <= int32(tt.want) {
				reached.Done()
				if !waitTimeout(&reached, 10*time.Second) {
					t.Errorf("n=%d limit=%d: %d calls never ran at once", tt.n, tt.limit, tt.want)
				}
			}
		})
		if int(peak.Load()) != tt.want {
			t.Errorf("n=%d limit=%d: %d calls at once, want %d", tt.n, tt.limit, peak.Load(), tt.want)
		}
		for i := range calls {
			if c := calls[i].Load(); c != 1 {
				t.Errorf("n=%d limit=%d: index %d called %d times", tt.n, tt.limit, i, c)
			}
		}
	}
}

// waitTimeout waits for wg, giving up after d (a deadlock guard, not a
// timing target).
func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}
