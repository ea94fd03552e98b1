package mover

import (
	"errors"

	"github.com/ferrydata/ferry/internal/fault"
	"testing"

	"github.com/ferrydata/ferry/internal/worker"
)

// Red team (session 19): doneMeanwhile skips a copy whose source went
// missing only for a final record of this very file. A Moved record of
// another file at the path (same size and mtime, another inode: a stale
// record, or one forged to match what a scan shows) does not make the mover
// call a vanished file done: it is failed source_missing (retried, then dead-lettered), where an
// operator sees it.
func TestRedteamSourceMissingWithAnotherFilesMovedRecordIsNotDone(t *testing.T) {
	r := newPipelineRig(t, 10, "a.warc.gz", "b.warc.gz")
	close(r.src.open)
	r.job.Files[0].Ino, r.job.Files[0].CTime = 4242, r.job.Files[0].ModTime
	other := r.job.Files[0]
	other.Ino = 4243 // another inode: not this file
	route := *r.mover.routes.Route("r")
	route.Src = &movedMeanwhileSource{Source: r.src, moved: "a.warc.gz", dir: r.src.Source.String(),
		ledger: r.ledger, file: other}
	r.mover.routes = worker.Live(worker.Routes{"r": &route})
	out := <-r.run()
	if len(out.Dead)+len(out.Pending) != 1 || !errors.Is(out.Err, fault.ErrSourceMissing) {
		t.Fatalf("copy job = %+v, want a.warc.gz failed source_missing (retried, then dead-lettered), not done", out)
	}
	t.Logf("copy job = %+v", out)
}
