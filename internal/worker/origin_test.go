package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/worker"
)

// shared is a route whose jobs any worker takes (a remote source).
const shared = "s"

// A job on h1's subject that names another host (here the shared one, whose
// jobs this worker also takes) is invalid: the handler never sees it, the
// letter is filed under h1, and the named host's record is untouched.
func TestIntegrationJobNamingAnotherHostIsInvalid(t *testing.T) {
	skipShort(t)
	t.Parallel()
	var calls atomic.Int32
	r := newRig(t, policy(), func(context.Context, bus.Job, *transfer.Progress) worker.Outcome {
		calls.Add(1)
		return worker.Outcome{}
	})
	routes := worker.Routes{
		route:  {Route: worker.Route{Name: route, Host: host, Include: []string{"*"}}},
		shared: {Route: worker.Route{Name: shared, Host: bus.HostAny, Include: []string{"*"}}},
	}
	for _, o := range routes {
		if err := o.Compile(); err != nil {
			t.Fatal(err)
		}
	}
	r.loop.Hosts, r.loop.Accept = []string{host, bus.HostAny}, routes.Accept
	ctx := context.Background()
	f := bus.File{Path: "a/b.warc.gz", Size: 10, ModTime: 1}
	if err := r.ledger.Set(ctx, shared, bus.HostAny, f, ledger.Copied, nil); err != nil {
		t.Fatal(err)
	}
	_, rev, err := r.ledger.Get(ctx, shared, bus.HostAny, f.Path)
	if err != nil {
		t.Fatal(err)
	}
	forgedJobs := []bus.Job{
		{V: bus.Version, ID: "forged1", Route: shared, Host: bus.HostAny, Files: []bus.File{f}},
		{V: bus.Version, ID: "forged2", Route: route, Host: bus.HostAny, Files: []bus.File{f}},
		{V: bus.Version, ID: "forged3", Route: shared, Host: host, Files: []bus.File{f}},
	}
	for _, j := range forgedJobs {
		if err := bustest.PublishRaw(ctx, r.bus, bus.JobSubject(bus.StageCopy, route, host), mustJSON(t, j)); err != nil {
			t.Fatal(err)
		}
	}
	r.start()
	waitFor(t, "the forged jobs to be dead-lettered", func() bool { return r.backlog() == 0 })
	if n := calls.Load(); n != 0 {
		t.Errorf("handler ran %d forged jobs", n)
	}
	dls := r.deadLetters()
	if len(dls) != len(forgedJobs) {
		t.Fatalf("%d dead letters for %d forged jobs", len(dls), len(forgedJobs))
	}
	for _, dl := range dls {
		if dl.Reason != fault.ReasonInvalid || dl.Route != route || dl.Host != host || len(dl.Files) != 0 {
			t.Errorf("dead letter %+v, want invalid, filed under %s/%s, no files", dl.DeadLetter, route, host)
		}
	}
	if _, rev2, err := r.ledger.Get(ctx, shared, bus.HostAny, f.Path); err != nil || rev2 != rev {
		t.Errorf("the shared route's record changed: revision %d -> %d, %v", rev, rev2, err)
	}
	if _, _, err := r.ledger.Get(ctx, route, host, f.Path); !errors.Is(err, ledger.ErrNoRecord) {
		t.Errorf("a forged job left a record on %s/%s: %v", route, host, err)
	}
}

// A job of the subject's own route and host that the worker's rules refuse
// (as the dispatcher would send it again after every rescan) makes one dead
// letter and marks its files failed, so the watcher stops announcing them.
func TestIntegrationRejectedJobFailsOnce(t *testing.T) {
	skipShort(t)
	t.Parallel()
	r := newRig(t, policy(), func(context.Context, bus.Job, *transfer.Progress) worker.Outcome {
		t.Error("handler ran a job the rules refuse")
		return worker.Outcome{}
	})
	const rescans = 4
	for i := range rescans {
		r.publish(job(fmt.Sprintf("j%d", i), "job/a.warc.gz.open"))
	}
	r.start()
	waitFor(t, "every job to be settled", func() bool { return r.backlog() == 0 })
	time.Sleep(100 * time.Millisecond)
	dls := r.deadLetters()
	if len(dls) != 1 {
		t.Fatalf("%d dead letters for %d jobs of one file, want 1", len(dls), rescans)
	}
	if dl := dls[0]; dl.Reason != fault.ReasonInvalid || dl.Host != host || len(dl.Files) != 1 {
		t.Errorf("dead letter %+v, want invalid with the file", dl.DeadLetter)
	}
	if rec := r.record("job/a.warc.gz.open"); rec.State != ledger.Failed || rec.Reason != fault.ReasonInvalid {
		t.Errorf("record %+v, want failed, invalid", rec)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
