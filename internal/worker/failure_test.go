package worker_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/worker"
)

// Files that keep failing are retried with backoff, then dead-lettered once
// with the reason; errors that no retry can cure are dead-lettered at once.
func TestIntegrationRetryThenDeadLetter(t *testing.T) {
	skipShort(t)
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		calls  int32
		reason string
	}{
		{"plain error", errors.New("connection reset"), 3, fault.ReasonMaxAttempts},
		{"source missing", fmt.Errorf("couldn't stat a: %w", fault.ErrSourceMissing), 3, fault.ReasonSourceMissing},
		{"not found", fmt.Errorf("couldn't read back a: %w", fault.ErrNotFound), 3, fault.ReasonMaxAttempts},
		{"conflict returned as pending", fmt.Errorf("destination differs: %w", fault.ErrConflict), 1, fault.ReasonConflict},
		{"mismatch returned as pending", fmt.Errorf("read back: %w", fault.ErrMismatch), 1, fault.ReasonMismatch},
		{"pending without an error", nil, 3, fault.ReasonMaxAttempts}, // a handler bug, not a crash
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			r := newRig(t, policy(), func(_ context.Context, job bus.Job, _ *transfer.Progress) worker.Outcome {
				calls.Add(1)
				return worker.Outcome{Pending: job.Files[1:], Err: tt.err} // a succeeded
			})
			r.publish(job("flaky", "a", "b", "c"))
			r.start()
			waitFor(t, "a dead letter", func() bool { return len(r.deadLetters()) > 0 && r.backlog() == 0 })
			if n := calls.Load(); n != tt.calls {
				t.Errorf("handler called %d times, want %d", n, tt.calls)
			}
			dls := r.deadLetters()
			if len(dls) != 1 {
				t.Fatalf("%d dead letters, want 1: %+v", len(dls), dls)
			}
			dl := dls[0]
			if dl.Reason != tt.reason || dl.JobID != "flaky" || dl.Stage != string(bus.StageCopy) ||
				dl.Attempts != int(tt.calls) || dl.Error == "" || (tt.err != nil && dl.Error != tt.err.Error()) || len(dl.Files) != 2 {
				t.Errorf("dead letter = %+v, want reason %s after %d attempts for b and c", dl, tt.reason, tt.calls)
			}
			for _, p := range []string{"b", "c"} {
				if rec := r.record(p); rec.State != ledger.Failed || rec.Reason != tt.reason || rec.JobID != "flaky" {
					t.Errorf("ledger record of %s = %+v, want failed with reason %s", p, rec, tt.reason)
				}
			}
			if n := r.attempts("flaky"); n != 0 {
				t.Errorf("attempt count not forgotten: %d", n)
			}
		})
	}
}

// Files the handler declares dead are dead-lettered at once, each attempt's
// own letter kept even when one job dead-letters files on two attempts.
func TestIntegrationDeadFilesAreNotRetried(t *testing.T) {
	skipShort(t)
	t.Parallel()
	var calls, mixedCalls atomic.Int32
	r := newRig(t, policy(), func(_ context.Context, job bus.Job, _ *transfer.Progress) worker.Outcome {
		calls.Add(1)
		f := job.Files[0]
		switch {
		case job.ID == "conflict":
			return worker.Outcome{Dead: []bus.DeadFile{{File: f, Reason: fault.ReasonConflict, Error: "z differs: conflict"}}}
		case mixedCalls.Add(1) == 1: // a conflicts; b fails for now
			return worker.Outcome{Dead: []bus.DeadFile{{File: f, Reason: fault.ReasonConflict, Error: "a differs: conflict"}},
				Pending: job.Files[1:], Err: errors.New("timeout")}
		default: // the retry skips a; b turns out to differ too
			return worker.Outcome{Dead: []bus.DeadFile{{File: job.Files[1], Reason: fault.ReasonMismatch, Error: "b: mismatch"}}}
		}
	})
	r.publish(job("mixed", "a", "b"))
	r.publish(job("conflict", "z"))
	r.start()
	waitFor(t, "both jobs settled", func() bool { return calls.Load() == 3 && r.backlog() == 0 })
	dls := r.deadLetters()
	reasons := map[string]string{} // path -> reason
	for _, dl := range dls {
		if dl.Attempts != 0 {
			t.Errorf("dead letter %+v counts attempts; it was never retried", dl)
		}
		for _, f := range dl.Files {
			reasons[f.File.Path] = f.Reason
		}
	}
	if len(dls) != 3 {
		t.Errorf("%d dead letters, want 3: %+v", len(dls), dls)
	}
	want := map[string]string{"a": fault.ReasonConflict, "b": fault.ReasonMismatch, "z": fault.ReasonConflict}
	for p, reason := range want {
		if reasons[p] != reason {
			t.Errorf("dead letter of %s has reason %q, want %q", p, reasons[p], reason)
		}
		if rec := r.record(p); rec.State != ledger.Failed || rec.Reason != reason {
			t.Errorf("ledger record of %s = %+v, want failed with reason %s", p, rec, reason)
		}
	}
	if n := calls.Load(); n != 3 { // mixed twice, conflict once
		t.Errorf("handler called %d times, want 3", n)
	}
}

// A panicking handler fails its attempt; the loop goes on with other jobs.
func TestIntegrationPanicIsAFailedAttempt(t *testing.T) {
	skipShort(t)
	t.Parallel()
	p := policy()
	p.MaxAttempts = 2
	var panics, oks atomic.Int32
	r := newRig(t, p, func(_ context.Context, job bus.Job, _ *transfer.Progress) worker.Outcome {
		if job.ID == "boom" {
			panics.Add(1)
			var m map[string]int
			m["x"]++ // nil map write
		}
		oks.Add(1)
		return worker.Outcome{}
	})
	r.publish(job("boom", "a"))
	r.publish(job("fine", "b"))
	r.start()
	waitFor(t, "both jobs settled", func() bool { return r.backlog() == 0 && len(r.deadLetters()) > 0 })
	if n, m := panics.Load(), oks.Load(); n != 2 || m != 1 {
		t.Errorf("%d panics and %d successes, want 2 and 1", n, m)
	}
	dls := r.deadLetters()
	if len(dls) != 1 || dls[0].JobID != "boom" || dls[0].Attempts != 2 || !strings.Contains(dls[0].Error, "panicked") {
		t.Errorf("dead letters = %+v, want one for boom after 2 panics", dls)
	}
	r.publish(job("after", "c")) // still serving
	waitFor(t, "a job after the panics", func() bool { return oks.Load() == 2 && r.backlog() == 0 })
}
