package verifier

import (
	"context"
	"strings"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/worker"
)

// arrived runs once a job's files are recorded: it counts the deleted
// sources and publishes an arrival event for every file this attempt
// verified and recorded (states[i] set, errs[i] nil). It decides nothing
// about a file: a failed publish is logged, and the file stays moved.
func (v *Verifier) arrived(ctx context.Context, job bus.Job, outcomes []verified, errs []error) {
	r := v.routes.Route(job.Route)
	var events []bus.MovedEvent
	now := time.Now().UTC()
	for i, o := range outcomes {
		state := o.state
		if errs[i] != nil || (state != ledger.Moved && state != ledger.Verified) {
			continue
		}
		f := job.Files[i]
		if state == ledger.Moved {
			v.deps.Metrics.FilesDeleted.WithLabelValues(job.Route).Inc()
		}
		events = append(events, bus.MovedEvent{Route: job.Route, Host: job.Host, Job: job.ID, Path: f.Path,
			Destination: destPath(r.Destination, f.Path), Size: f.Size, ModTime: f.ModTime,
			HashType: string(r.Hash), Hash: f.Hash, SourceDeleted: state == ledger.Moved, Time: now, Checks: o.checks})
	}
	if len(events) == 0 {
		return
	}
	if err := v.deps.Bus.PublishMoved(ctx, events); err != nil {
		worker.JobLog(ctx, v.deps.Log).Warn("couldn't publish arrival events", "files", len(events), "err", err)
	}
}

// destPath names a copy as rclone does: remote:path/rel, remote:rel, or a
// local path.
func destPath(dest, rel string) string {
	if strings.HasSuffix(dest, ":") || strings.HasSuffix(dest, "/") {
		return dest + rel
	}
	return dest + "/" + rel
}
