package mover

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/metrics"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
	"github.com/ferrydata/ferry/internal/worker"
)

const testHost = "h1"

// gatedSource is a real local source whose file named gated cannot be read
// until open is closed: an upload that is still running.
type gatedSource struct {
	transfer.Source
	gated string
	open  chan struct{}
}

func (s *gatedSource) Open(ctx context.Context, rel string) (io.ReadCloser, transfer.FileInfo, error) {
	rc, fi, err := s.Source.Open(ctx, rel)
	if err != nil || rel != s.gated {
		return rc, fi, err
	}
	return gatedReader{rc, s.open}, fi, nil
}

type gatedReader struct {
	io.ReadCloser
	open <-chan struct{}
}

func (g gatedReader) Read(b []byte) (int, error) {
	<-g.open
	return g.ReadCloser.Read(b)
}

// pipelineRig is a mover on a real JetStream and local disks, and the
// verify jobs it publishes.
type pipelineRig struct {
	t      *testing.T
	bus    *bus.Bus
	ledger *ledger.Ledger
	mover  *Mover
	src    *gatedSource
	job    bus.Job
	verify <-chan *bus.Delivery
}

func newPipelineRig(t *testing.T, size int, names ...string) *pipelineRig {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: JetStream and rclone")
	}
	transfertest.Init(t)
	ctx := t.Context()
	b := bustest.Start(t)
	srcDir, dstDir := t.TempDir(), t.TempDir()
	job := bus.Job{ID: "20261202T031500-0123456789ab", Route: "r", Host: testHost}
	for _, name := range names {
		p := filepath.Join(srcDir, name)
		if err := os.WriteFile(p, []byte(name+strings.Repeat("x", size)), 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		job.Files = append(job.Files, bus.File{Path: name, Size: st.Size(), ModTime: st.ModTime().UnixNano()})
	}
	local, err := transfer.OpenLocalSource(srcDir)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := transfer.OpenDestination(ctx, dstDir, transfer.MD5)
	if err != nil {
		t.Fatal(err)
	}
	src := &gatedSource{Source: local, open: make(chan struct{})}
	l := ledger.New(b.Ledger())
	m := &Mover{
		deps:   worker.Deps{Bus: b, Ledger: l, Log: bustest.Logger(t), Metrics: metrics.New()},
		routes: worker.Live(worker.Routes{"r": {Route: worker.Route{Name: "r", Host: testHost, Hash: transfer.MD5}, Src: src, Dst: dst}}),
	}
	verify, err := b.Stream(ctx, bus.ConsumerConfig{Stage: bus.StageVerify, Host: testHost, AckWait: time.Minute, MaxAckPending: 100})
	if err != nil {
		t.Fatal(err)
	}
	return &pipelineRig{t: t, bus: b, ledger: l, mover: m, src: src, job: job, verify: verify}
}

// run runs the copy job in the background; its outcome arrives on the channel.
func (r *pipelineRig) run() <-chan worker.Outcome {
	done := make(chan worker.Outcome, 1)
	go func() { done <- r.mover.copyJob(r.t.Context(), r.job, &transfer.Progress{}) }()
	return done
}

// verifyJobs collects verify jobs until they name want files.
func (r *pipelineRig) verifyJobs(want int) []bus.Job {
	r.t.Helper()
	var jobs []bus.Job
	for n := 0; n < want; {
		select {
		case d := <-r.verify:
			j, err := bus.DecodeJob(d.Data())
			if err != nil {
				r.t.Fatal(err)
			}
			_ = d.Ack(r.t.Context())
			jobs, n = append(jobs, j), n+len(j.Files)
		case <-time.After(20 * time.Second):
			r.t.Fatalf("only %d of %d files handed on to the verifier: %+v", n, want, jobs)
		}
	}
	return jobs
}

// A file's verify job goes out as soon as that file is copied, while
// another file of its job still uploads; each verify job has its own id.
func TestIntegrationCopiedFileHandedOnAtOnce(t *testing.T) {
	r := newPipelineRig(t, handOnBytes, "a.warc.gz", "b.warc.gz", "slow.warc.gz")
	r.src.gated = "slow.warc.gz"
	done := r.run()
	early := r.verifyJobs(2)
	select {
	case out := <-done:
		t.Fatalf("copy job ended with its slow file still blocked: %+v", out)
	default:
	}
	for _, j := range early {
		for _, f := range j.Files {
			if f.Path == "slow.warc.gz" || f.Hash == "" {
				t.Errorf("early verify job holds %+v", f)
			}
		}
	}
	close(r.src.open)
	late := r.verifyJobs(1)
	if len(late) != 1 || late[0].Files[0].Path != "slow.warc.gz" {
		t.Errorf("last verify job = %+v, want the slow file", late)
	}
	out := <-done
	if len(out.Pending) > 0 || len(out.Dead) > 0 || out.Err != nil {
		t.Errorf("copy job = %+v, want all handed on", out)
	}
	ids := map[string]bool{}
	for _, j := range append(early, late...) {
		if !strings.HasPrefix(j.ID, r.job.ID+"-") || ids[j.ID] || len(j.ID) > bus.MaxJobID {
			t.Errorf("verify job id %q: want a new id of %s's own", j.ID, r.job.ID)
		}
		ids[j.ID] = true
	}
}

// A small file's copy writes no ledger record, and a retried job copies it
// again: the identical copy counts as copied, and the retried publish of
// the same group is a duplicate that JetStream drops.
func TestIntegrationSmallFileCopiedAgainOnRetry(t *testing.T) {
	r := newPipelineRig(t, 10, "a.warc.gz")
	close(r.src.open)
	for attempt := 1; attempt <= 2; attempt++ {
		out := <-r.run()
		if len(out.Pending) > 0 || len(out.Dead) > 0 || out.Err != nil {
			t.Fatalf("attempt %d: copy job = %+v", attempt, out)
		}
	}
	if j := r.verifyJobs(1); j[0].Files[0].Hash == "" {
		t.Errorf("verify job without the hash: %+v", j[0])
	}
	select {
	case d := <-r.verify:
		t.Errorf("second verify job for the same files: %s", d.Data())
	case <-time.After(200 * time.Millisecond):
	}
	if rec, _, err := r.ledger.Get(t.Context(), "r", testHost, "a.warc.gz"); !errors.Is(err, ledger.ErrNoRecord) {
		t.Errorf("ledger record of a small copied file = %+v, %v; want none", rec, err)
	}
}

// A verify publish that fails mid-job leaves exactly its files pending; the
// files handed on before stay handed on.
func TestIntegrationHandOnFailsMidJob(t *testing.T) {
	r := newPipelineRig(t, handOnBytes, "a.warc.gz", "slow.warc.gz")
	r.src.gated = "slow.warc.gz"
	done := r.run()
	r.verifyJobs(1)
	r.bus.Close()
	close(r.src.open)
	out := <-done
	if len(out.Pending) != 1 || out.Pending[0].Path != "slow.warc.gz" || out.Err == nil || len(out.Dead) > 0 {
		t.Errorf("copy job = %+v, want only the slow file pending, with the publish error", out)
	}
}

// Small files of one job wait for each other: one verify job for them all.
func TestIntegrationSmallFilesHandedOnTogether(t *testing.T) {
	r := newPipelineRig(t, 10, "a.warc.gz", "b.warc.gz", "c.warc.gz", "d.warc.gz", "e.warc.gz", "f.warc.gz")
	close(r.src.open)
	if out := <-r.run(); len(out.Pending) > 0 || len(out.Dead) > 0 || out.Err != nil {
		t.Fatalf("copy job = %+v", out)
	}
	if jobs := r.verifyJobs(len(r.job.Files)); len(jobs) != 1 {
		t.Errorf("%d verify jobs for %d small files, want one: %+v", len(jobs), len(r.job.Files), jobs)
	}
}

// A route's transfers bound the files of a job in flight: with one, the
// file after a stuck upload waits for it.
func TestIntegrationTransfersBoundFilesInFlight(t *testing.T) {
	r := newPipelineRig(t, handOnBytes, "slow.warc.gz", "a.warc.gz")
	r.src.gated = "slow.warc.gz"
	r.mover.routes.Route("r").Tuning.Transfers = 1
	done := r.run()
	select {
	case d := <-r.verify:
		t.Fatalf("a file was handed on while the only transfer was stuck: %s", d.Data())
	case <-time.After(300 * time.Millisecond):
	}
	close(r.src.open)
	r.verifyJobs(2)
	if out := <-done; len(out.Pending) > 0 || len(out.Dead) > 0 || out.Err != nil {
		t.Errorf("copy job = %+v", out)
	}
}

// movedMeanwhileSource is a real local source where, just before the mover
// opens the file named moved, a duplicate job's verifier records it Moved
// and deletes it: after a crash a redelivered job and the one a
// redelivered announcement made can carry the same file.
type movedMeanwhileSource struct {
	transfer.Source
	moved  string
	dir    string
	ledger *ledger.Ledger
	file   bus.File
	// archived: the moved record has left the bucket for the archive
	// (ledger.MovedHold) before this job looks again.
	archived bool
}

func (s *movedMeanwhileSource) Open(ctx context.Context, rel string) (io.ReadCloser, transfer.FileInfo, error) {
	if rel == s.moved {
		if err := s.ledger.Set(ctx, "r", testHost, s.file, ledger.Moved, func(r *ledger.Record) { r.JobID = "20261202T031500-ba9876543210" }); err != nil {
			return nil, transfer.FileInfo{}, err
		}
		for deadline := time.Now().Add(10 * time.Second); s.archived; time.Sleep(100 * time.Millisecond) {
			if _, _, err := s.ledger.Get(ctx, "r", testHost, rel); errors.Is(err, ledger.ErrNoRecord) {
				break
			}
			if time.Now().After(deadline) {
				return nil, transfer.FileInfo{}, errors.New("moved record still in the bucket 10s after its hold")
			}
		}
		if err := os.Remove(filepath.Join(s.dir, rel)); err != nil {
			return nil, transfer.FileInfo{}, err
		}
	}
	return s.Source.Open(ctx, rel)
}

// A file whose source goes missing during its copy because a duplicate job
// moved it meanwhile is done, not a source_missing dead letter (it was one
// in cmd/ferry's TestIntegrationKilledMidRunConverges). So is one whose
// duplicate ran so much earlier that its record is archived already.
func TestIntegrationSourceMovedByADuplicateJobMeanwhile(t *testing.T) {
	for _, archived := range []bool{false, true} {
		t.Run(fmt.Sprintf("archived=%t", archived), func(t *testing.T) {
			r := newPipelineRig(t, 10, "a.warc.gz", "b.warc.gz")
			r.ledger.WithHold(time.Second)
			close(r.src.open)
			route := *r.mover.routes.Route("r")
			route.Src = &movedMeanwhileSource{Source: r.src, moved: "a.warc.gz", dir: r.src.Source.String(),
				ledger: r.ledger, file: r.job.Files[0], archived: archived}
			r.mover.routes = worker.Live(worker.Routes{"r": &route})
			out := <-r.run()
			if len(out.Pending) > 0 || len(out.Dead) > 0 || out.Err != nil {
				t.Fatalf("copy job = %+v, want a.warc.gz done and b.warc.gz handed on", out)
			}
			if j := r.verifyJobs(1); len(j[0].Files) != 1 || j[0].Files[0].Path != "b.warc.gz" {
				t.Fatalf("verify jobs = %+v, want b.warc.gz alone", j)
			}
		})
	}
}
