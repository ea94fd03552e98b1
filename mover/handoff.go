package mover

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/worker"
)

// handoff passes a job's copied files on to the verify stage while the
// rest of the job still uploads, so a file's read-back starts as soon as it
// is worth a verify job of its own: once the files ready hold handOnBytes,
// they go at once (a large file alone), and files copied while a publish is
// in flight go together in the next one. Smaller files wait for more, or
// for the job's last copy: a verify job costs a few durable writes (its
// publish, ack and attempt count), more than reading back a few KiB.
type handoff struct {
	m   *Mover
	ctx context.Context
	job bus.Job

	mu     sync.Mutex
	ready  []copied // copied, not yet published
	bytes  int64    // in ready
	busy   bool     // a drain is publishing
	closed bool     // no more files will come
	failed []bus.File
	err    error
	wg     sync.WaitGroup
}

// handOnBytes is what a group of copied files must hold to go before the
// job's last copy: about the bytes a slow link reads back in the time a
// verify job's durable writes take.
const handOnBytes = 1 << 20

// copied is a file the mover has copied, with the source hash it read.
type copied struct {
	file   bus.File
	record bool // copied just now and large: record it Copied first
}

func newHandoff(ctx context.Context, m *Mover, job bus.Job) *handoff {
	return &handoff{m: m, ctx: ctx, job: job}
}

// add hands on one copied file, as soon as the group it joins is due.
func (h *handoff) add(c copied) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ready = append(h.ready, c)
	h.bytes += c.file.Size
	h.kick()
}

// due says whether the files ready should go now. Call with mu held.
func (h *handoff) due() bool {
	return len(h.ready) > 0 && (h.closed || h.bytes >= handOnBytes)
}

// kick starts a drain if the group is due and none runs. Call with mu held.
func (h *handoff) kick() {
	if !h.busy && h.due() {
		h.busy = true
		h.wg.Add(1)
		go h.drain()
	}
}

// drain publishes groups while one is due.
func (h *handoff) drain() {
	defer h.wg.Done()
	for {
		h.mu.Lock()
		if !h.due() {
			h.busy = false
			h.mu.Unlock()
			return
		}
		group := h.ready
		h.ready, h.bytes = nil, 0
		h.mu.Unlock()
		files, err := h.m.handOn(h.ctx, h.job, group)
		if err != nil {
			h.mu.Lock()
			h.failed = append(h.failed, files...)
			h.err = errors.Join(h.err, err)
			h.mu.Unlock()
		}
	}
}

// wait sends what is left once the job's last copy has ended, and returns,
// when every file is published or failed, the files whose publish failed
// and why. Call it after the last add.
func (h *handoff) wait() ([]bus.File, error) {
	h.mu.Lock()
	h.closed = true
	h.kick()
	h.mu.Unlock()
	h.wg.Wait()
	return h.failed, h.err
}

// handOn records the group's new large copies as copied, then publishes the
// group as one verify job. It returns the group's files.
func (m *Mover) handOn(ctx context.Context, job bus.Job, group []copied) ([]bus.File, error) {
	files := make([]bus.File, len(group))
	var fresh []bus.File
	for i, c := range group {
		files[i] = c.file
		if c.record {
			fresh = append(fresh, c.file)
		}
	}
	slices.SortFunc(files, func(a, b bus.File) int { return strings.Compare(a.Path, b.Path) })
	if len(fresh) > 0 {
		// Written before the verify job exists, so it never lands after
		// the verifier's own records. A hint only: a lost one costs a copy.
		errs := m.deps.Ledger.SetAll(ctx, job.Route, job.Host, fresh, ledger.Copied, m.edit(job))
		for i, err := range errs {
			if err != nil {
				worker.FileLog(ctx, m.deps.Log, fresh[i]).Warn("couldn't update ledger", "state", ledger.Copied, "err", err)
			}
		}
	}
	next := bus.Job{ID: bus.VerifyJobID(job.ID, files), Route: job.Route, Host: job.Host, Files: files}
	if err := m.deps.Bus.PublishJob(ctx, bus.StageVerify, next); err != nil {
		if bus.Unavailable(err) {
			err = fmt.Errorf("%w: %w", fault.ErrUnavailable, err)
		}
		return files, fmt.Errorf("couldn't hand %d copied files on to the verifier: %w", len(files), err)
	}
	worker.JobLog(ctx, m.deps.Log).Debug("copied files handed on", "verify_job", next.ID, "files", len(files))
	return files, nil
}
