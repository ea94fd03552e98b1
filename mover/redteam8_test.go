package mover

import (
	"errors"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/ledger"
)

// A small file's copy leaves no record, so a redelivered copy job copies it
// again while its verify job may be deleting the source. The mover must
// then neither touch the copy nor give up on the file: the source missing
// is a retry (its verifier records it moved), never a dead letter, and
// once moved the file is skipped.
func TestIntegrationRedeliveredCopyJobAfterTheDelete(t *testing.T) {
	r := newPipelineRig(t, 10, "a.warc.gz")
	close(r.src.open)
	ctx := t.Context()
	if out := <-r.run(); len(out.Pending) > 0 || len(out.Dead) > 0 || out.Err != nil {
		t.Fatalf("first attempt = %+v", out)
	}
	v := r.verifyJobs(1)[0]
	f := v.Files[0]
	dst := r.mover.routes.Route("r").Dst
	before, _, err := dst.ReadBack(ctx, f.Path, nil)
	if err != nil || before.Hash != f.Hash {
		t.Fatalf("copy = %+v, %v", before, err)
	}
	// The verifier deletes the source; its Moved record is not written yet.
	rc, hashed, err := r.src.Open(ctx, f.Path)
	if err != nil {
		t.Fatal(err)
	}
	_ = rc.Close()
	if err := r.src.Remove(ctx, f.Path, hashed); err != nil {
		t.Fatal(err)
	}
	out := <-r.run() // the copy job, redelivered (its ack was lost)
	if len(out.Dead) > 0 || len(out.Pending) != 1 || !errors.Is(out.Err, fault.ErrSourceMissing) {
		t.Errorf("redelivered before the record = %+v, want the file pending, source missing", out)
	}
	if reason, retry := fault.Classify(out.Err); !retry {
		t.Errorf("redelivered before the record: %s is not retried", reason)
	}
	if after, _, err := dst.ReadBack(ctx, f.Path, nil); err != nil || after != before {
		t.Errorf("copy after the redelivered job = %+v, %v; want %+v untouched", after, err, before)
	}
	if err := r.ledger.Set(ctx, "r", testHost, f, ledger.Moved, nil); err != nil {
		t.Fatal(err)
	}
	if out := <-r.run(); len(out.Pending) > 0 || len(out.Dead) > 0 || out.Err != nil {
		t.Errorf("redelivered after the record = %+v, want the file skipped", out)
	}
	select {
	case d := <-r.verify:
		t.Errorf("a verify job for a file whose source is gone: %s", d.Data())
	case <-time.After(200 * time.Millisecond):
	}
}
