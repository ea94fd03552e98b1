package transfer

import (
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Callers that sync one directory at the same time share its fsyncs, and
// none returns before an fsync that began after it called.
func TestDirectorySyncsAreSharedAndNeverEarly(t *testing.T) {
	dir := t.TempDir()
	var started atomic.Int64 // fsyncs begun
	var running atomic.Int32
	old := fsync
	fsync = func(f *os.File) error {
		if running.Add(1) > 1 {
			t.Error("two fsyncs of one directory ran at once")
		}
		started.Add(1)
		time.Sleep(5 * time.Millisecond) // long enough for callers to pile up
		running.Add(-1)
		return f.Sync()
	}
	t.Cleanup(func() { fsync = old })

	const callers = 40
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			before := started.Load()
			if err := dirSyncs.sync(dir); err != nil {
				t.Error(err)
			}
			// The fsync that satisfied this caller began after the call: at
			// least one more than had begun before it was started.
			if started.Load() <= before {
				t.Errorf("returned with %d fsyncs begun, as many as before the call", before)
			}
		})
	}
	wg.Wait()
	if n := started.Load(); n >= callers {
		t.Errorf("%d callers at once made %d fsyncs, want them shared", callers, n)
	}
	dirSyncs.mu.Lock()
	left := len(dirSyncs.dirs)
	dirSyncs.mu.Unlock()
	if left != 0 {
		t.Errorf("%d directories still held after every caller returned", left)
	}
}
