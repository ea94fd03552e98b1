package transfer

import "sync"

// Directory syncs are shared (group commit): a change to a directory, such
// as a copy's new name, is on disk once an fsync of that directory begun
// after the change has returned. Callers that come while one runs wait for
// the next, which one of them runs for all: with a job's files copied and
// verified side by side in one directory, most of a job's directory syncs
// become one each round, and each caller still returns only after a sync
// that began after it asked.
var dirSyncs = &syncGroup{dirs: map[string]*dirRounds{}}

type syncGroup struct {
	mu   sync.Mutex
	dirs map[string]*dirRounds
}

// dirRounds are one directory's syncs, one at a time: started and finished
// count them, err is the last one's result.
type dirRounds struct {
	cond              *sync.Cond
	started, finished uint64
	running           bool
	err               error
	users             int // callers in sync for this directory: the entry goes with the last
}

// sync syncs dir, or waits for a sync of dir that begins after this call.
func (g *syncGroup) sync(dir string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	d := g.dirs[dir]
	if d == nil {
		d = &dirRounds{cond: sync.NewCond(&g.mu)}
		g.dirs[dir] = d
	}
	d.users++
	defer func() {
		if d.users--; d.users == 0 {
			delete(g.dirs, dir)
		}
	}()
	// A round already running may have begun before this caller's change:
	// only the one after it counts.
	need := d.started + 1
	for d.finished < need {
		if d.running {
			d.cond.Wait()
			continue
		}
		d.running = true
		d.started++
		round := d.started
		g.mu.Unlock()
		err := syncFile(dir)
		g.mu.Lock()
		d.running, d.finished, d.err = false, round, err
		d.cond.Broadcast()
	}
	return d.err
}
