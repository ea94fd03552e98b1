package nats

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/ledger"
)

// Under authorization.conf a crawler reads and writes its own files'
// records and shared routes', never another host's: crawler01 cannot mark
// crawler02's file failed, nor read where it is.
func TestIntegrationLedgerPermissions(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	connect := authServer(t, shippedAuthorization(t))
	connect("dispatcher") // sets up the streams and the bucket
	c1Bus := connect("crawler01")
	c1, c2 := ledger.New(c1Bus.Ledger()), ledger.New(connect("crawler02").Ledger())
	ctx := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		t.Cleanup(cancel)
		return ctx
	}
	f := bus.File{Path: "a.warc.gz", Size: 1, ModTime: 1}
	for _, w := range []struct {
		l           *ledger.Ledger
		route, host string
	}{{c2, "warcs", "crawler02"}, {c1, "warcs", "crawler01"}, {c1, "shared", bus.HostAny}} {
		if err := w.l.Set(ctx(), w.route, w.host, f, ledger.Copied, nil); err != nil {
			t.Fatalf("%s/%s may not write its own record: %v", w.route, w.host, err)
		}
		if _, _, err := w.l.Get(ctx(), w.route, w.host, f.Path); err != nil {
			t.Fatalf("%s/%s may not read its own record: %v", w.route, w.host, err)
		}
	}
	if _, err := c1.Failure(ctx(), bus.StageCopy, "j1", errors.New("boom")); err != nil {
		t.Errorf("crawler01 may not count a job's attempts: %v", err)
	}
	if err := c1.Set(ctx(), "warcs", "crawler02", f, ledger.Failed, nil); err == nil {
		t.Error("crawler01 may write crawler02's record")
	}
	if _, _, err := c1.Get(ctx(), "warcs", "crawler02", f.Path); err == nil {
		t.Error("crawler01 may read crawler02's record")
	}
	if r, _, err := c2.Get(ctx(), "warcs", "crawler02", f.Path); err != nil || r.State != ledger.Copied {
		t.Errorf("crawler02's record is %+v, %v; want copied", r, err)
	}

	// A crawler archives its moved files' records (else they would stay in
	// the bucket for ledger.keep, and each job would wait for a refusal),
	// and finds them there; it cannot archive another host's.
	c1.WithHold(time.Second)
	moved := bus.File{Path: "b.warc.gz", Size: 1, ModTime: 1}
	start := time.Now()
	if err := c1.Set(ctx(), "warcs", "crawler01", moved, ledger.Moved, nil); err != nil {
		t.Fatalf("crawler01 may not record its file moved: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("recording a moved file took %s: was archiving refused?", took)
	}
	awaitLeftBucket(t, c1, "crawler01", moved.Path)
	if r, err := c1.Lookup(ctx(), "warcs", "crawler01", moved.Path); err != nil || r.State != ledger.Moved {
		t.Fatalf("crawler01's archived record: %+v, %v", r, err)
	}
	forged := []bus.Archived{{Shard: "file.warcs.crawler02.00", Key: "file.warcs.crawler02.00", Value: []byte("{}")}}
	if err := c1Bus.Ledger().Archive(ctx(), forged); err == nil {
		t.Error("crawler01 may archive crawler02's record")
	}
}

// A crawler's user may not make batched gets (they could name any host's
// keys): its ledger reads them one by one, quickly, and never sees another
// host's record.
func TestIntegrationCrawlerBatchedReadsFallBack(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	connect := authServer(t, shippedAuthorization(t))
	connect("dispatcher")
	c1, c2 := ledger.New(connect("crawler01").Ledger()), ledger.New(connect("crawler02").Ledger())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	files := []bus.File{{Path: "a.warc.gz", Size: 1, ModTime: 1}, {Path: "b.warc.gz", Size: 1, ModTime: 1}}
	if errs := c2.SetAll(ctx, "warcs", "crawler02", files, ledger.Copied, nil); errs != nil {
		t.Fatal(errs)
	}
	start := time.Now()
	if errs := c1.SetAll(ctx, "warcs", "crawler01", files, ledger.Copied, nil); errs != nil {
		t.Fatalf("crawler01 may not record its own files: %v", errs)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("crawler01's first SetAll took %s: did it wait for a refused batched read?", took)
	}
	short := func() context.Context { // a refused read is answered by its deadline
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		t.Cleanup(cancel)
		return ctx
	}
	rd := c1.ReadAll(short(), "warcs", "crawler02", files)
	for _, f := range files {
		if r, _, err := c1.GetFrom(short(), rd, "warcs", "crawler02", f.Path); err == nil {
			t.Errorf("crawler01 read crawler02's record of %s: %+v", f.Path, r)
		}
		if r, _, err := c1.Get(ctx, "warcs", "crawler01", f.Path); err != nil || r.State != ledger.Copied {
			t.Errorf("crawler01's own record of %s: %+v, %v", f.Path, r, err)
		}
	}
}
