package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// BacklogStat is the backlog of one stage, route and host, for metrics
// and `ferry status`.
type BacklogStat struct {
	Stage   Stage
	Route   string
	Host    string // the source host, or HostAny; the token itself if it does not decode
	Pending uint64 // in the stream, not yet delivered to a worker
	Unacked uint64 // delivered, not yet acknowledged: in flight or waiting out a retry delay
}

// maxUnackedScan bounds the messages read, per consumer and export, to
// attribute a consumer's unacknowledged ones to routes; past it the rest
// count as pending. The dispatcher may hold 50,000 closed files while it
// batches them: reading them all every few seconds would cost the server
// more than the metric is worth.
const maxUnackedScan = 1000

// stageSubjects are the work subjects of each stage, by stream.
var stageSubjects = []struct {
	stream string
	stage  Stage
	filter string
}{
	{StreamClosed, StageDispatch, "ferry.closed.>"},
	{StreamJobs, StageCopy, "ferry.copy.>"},
	{StreamJobs, StageVerify, "ferry.verify.>"},
}

// StageBacklog counts the work streams' messages per stage, route and host. The
// stream's subject counts give what is there; each consumer's
// unacknowledged messages, read from its ack floor up to its last delivery
// (at most MaxAckPending of them are live), say which of them are in flight.
func (b *Bus) StageBacklog(ctx context.Context) ([]BacklogStat, error) {
	type key struct {
		stage       Stage
		route, host string
	}
	total, unacked := map[key]uint64{}, map[key]uint64{}
	var order []key
	for _, s := range stageSubjects {
		stream, err := b.js.Stream(ctx, s.stream)
		if err != nil {
			return nil, fmt.Errorf("couldn't open stream %s: %w", s.stream, err)
		}
		info, err := stream.Info(ctx, jetstream.WithSubjectFilter(s.filter))
		if err != nil {
			return nil, fmt.Errorf("couldn't read stream %s: %w", s.stream, err)
		}
		for subject, n := range info.State.Subjects {
			k := key{s.stage, subjectRoute(subject), subjectHost(subject)}
			if _, ok := total[k]; !ok {
				order = append(order, k)
			}
			total[k] += n
		}
	}
	for _, name := range []string{StreamClosed, StreamJobs} {
		stream, err := b.js.Stream(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("couldn't open stream %s: %w", name, err)
		}
		list := stream.ListConsumers(ctx)
		for ci := range list.Info() {
			if ci.NumAckPending == 0 || ci.Config.FilterSubject == "" {
				continue
			}
			err := scanUnacked(ctx, stream, ci, func(subject string) {
				unacked[key{subjectStage(subject), subjectRoute(subject), subjectHost(subject)}]++
			})
			if err != nil {
				return nil, err
			}
		}
		if err := list.Err(); err != nil {
			return nil, fmt.Errorf("couldn't list consumers of %s: %w", name, err)
		}
	}
	out := make([]BacklogStat, 0, len(order))
	for _, k := range order {
		u := min(unacked[k], total[k])
		out = append(out, BacklogStat{Stage: k.stage, Route: k.route, Host: k.host, Pending: total[k] - u, Unacked: u})
	}
	return out, nil
}

// scanUnacked calls fn with the subject of each message the consumer has
// delivered and not had acknowledged. In a work queue an acknowledged
// message is gone, so those still there between the ack floor and the last
// delivery are exactly the unacknowledged ones.
func scanUnacked(ctx context.Context, stream jetstream.Stream, ci *jetstream.ConsumerInfo, fn func(subject string)) error {
	seq, last := ci.AckFloor.Stream+1, ci.Delivered.Stream
	for n := 0; seq <= last && n < min(ci.NumAckPending, maxUnackedScan); n++ {
		msg, err := stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(ci.Config.FilterSubject))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("couldn't read unacknowledged messages of %s: %w", ci.Name, err)
		}
		if msg.Sequence > last {
			return nil
		}
		fn(msg.Subject)
		seq = msg.Sequence + 1
	}
	return nil
}

// subjectStage, subjectRoute and subjectHost read ferry.<stage>.<route>.<host>.
func subjectStage(subject string) Stage {
	parts := strings.Split(subject, ".")
	if len(parts) < 2 {
		return ""
	}
	if parts[1] == "closed" {
		return StageDispatch
	}
	return Stage(parts[1])
}

func subjectHost(subject string) string {
	parts := strings.Split(subject, ".")
	if len(parts) < 4 {
		return ""
	}
	if host, err := HostFromToken(parts[3]); err == nil {
		return host
	}
	return parts[3]
}

func subjectRoute(subject string) string {
	parts := strings.Split(subject, ".")
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

// OldestWaiting returns, per route, the modification time of the file in
// the first message still waiting at any stage: the file that has waited
// longest to be moved (roughly: a file announced again after a lost job
// goes to the back). Routes with nothing waiting are absent.
func (b *Bus) OldestWaiting(ctx context.Context, routes []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	for _, s := range stageSubjects {
		stream, err := b.js.Stream(ctx, s.stream)
		if err != nil {
			return nil, fmt.Errorf("couldn't open stream %s: %w", s.stream, err)
		}
		prefix := strings.TrimSuffix(s.filter, ">")
		for _, route := range routes {
			msg, err := stream.GetMsg(ctx, 1, jetstream.WithGetMsgSubject(prefix+route+".*"))
			if errors.Is(err, jetstream.ErrMsgNotFound) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("couldn't read the oldest message of route %s in %s: %w", route, s.stream, err)
			}
			if t, ok := oldestFile(s.stage, msg.Data); ok && (out[route].IsZero() || t.Before(out[route])) {
				out[route] = t
			}
		}
	}
	return out, nil
}

// oldestFile is the earliest modification time of the files a message names.
func oldestFile(stage Stage, data []byte) (time.Time, bool) {
	var files []File
	if stage == StageDispatch {
		var c Closed
		if json.Unmarshal(data, &c) != nil {
			return time.Time{}, false
		}
		files = []File{c.File}
	} else {
		var j Job
		if json.Unmarshal(data, &j) != nil {
			return time.Time{}, false
		}
		files = j.Files
	}
	var oldest time.Time
	for _, f := range files {
		if t := f.MTime(); f.ModTime > 0 && (oldest.IsZero() || t.Before(oldest)) {
			oldest = t
		}
	}
	return oldest, !oldest.IsZero()
}
