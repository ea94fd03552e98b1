package mover

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/ledger"
)

// handoff passes a job's copied files on to the verify stage as each is
// copied, so a file's read-back starts while the rest of its job still
// uploads. Files copied while a publish is in flight go out together in the
// next one: small files still travel in groups (one verify job and one queue
// write per group), large files one by one.
type handoff struct {
	m   *Mover
	ctx context.Context
	job bus.Job

	mu     sync.Mutex
	ready  []copied // copied, not yet published
	busy   bool     // a drain is publishing
	failed []bus.File
	err    error
	wg     sync.WaitGroup
}

// copied is a file the mover has copied, with the source hash it read.
type copied struct {
	file   bus.File
	record bool // copied just now and large: record it Copied first
}

func newHandoff(ctx context.Context, m *Mover, job bus.Job) *handoff {
	return &handoff{m: m, ctx: ctx, job: job}
}

// add hands on one copied file, at once unless a publish is in flight.
func (h *handoff) add(c copied) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ready = append(h.ready, c)
	if !h.busy {
		h.busy = true
		h.wg.Add(1)
		go h.drain()
	}
}

// drain publishes what is ready until nothing is.
func (h *handoff) drain() {
	defer h.wg.Done()
	for {
		h.mu.Lock()
		group := h.ready
		h.ready = nil
		if len(group) == 0 {
			h.busy = false
			h.mu.Unlock()
			return
		}
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

// wait returns, once every file added is published or failed, the files
// whose publish failed and why. Call it after the last add.
func (h *handoff) wait() ([]bus.File, error) {
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
				m.deps.Log.Warn("couldn't update ledger", "path", fresh[i].Path, "state", ledger.Copied, "err", err)
			}
		}
	}
	next := bus.Job{ID: verifyJobID(job.ID, files), Route: job.Route, Host: job.Host, Files: files}
	if err := m.deps.Bus.PublishJob(ctx, bus.StageVerify, next); err != nil {
		if bus.Unavailable(err) {
			err = fmt.Errorf("%w: %w", fault.ErrUnavailable, err)
		}
		return files, fmt.Errorf("couldn't hand %d copied files on to the verifier: %w", len(files), err)
	}
	return files, nil
}

// verifyJobIDMax is the longest job id a message may carry (bus.jobIDRE).
const verifyJobIDMax = 128

// verifyJobID names the verify job of some files of copy job id. Each verify
// job of a copy job has its own id, so its attempts and dead letters are
// its own; the same files give the same id, so a retried publish of the
// same group is a duplicate JetStream drops. ofJob recognises the ids.
func verifyJobID(id string, files []bus.File) string {
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00%d\x00%d\x00", f.Path, f.Size, f.ModTime, f.Ino, f.CTime)
	}
	suffix := "-" + hex.EncodeToString(h.Sum(nil)[:8])
	return id[:min(len(id), verifyJobIDMax-len(suffix))] + suffix
}

// ofJob reports whether a ledger record's job id is copy job id or one of
// its verify jobs.
func ofJob(recID, id string) bool {
	return recID == id || strings.HasPrefix(recID, id+"-")
}
