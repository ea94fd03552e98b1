package bus

import (
	"context"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// DropLegacy purges messages of the work streams whose subject names no
// host as HostToken writes it today, and deletes job consumers named after
// such tokens: what an older ferry left for hosts whose token changed. No
// consumer would ever take those messages, yet Backlog counts them. Their
// files are announced again from disk. An admin's job (it purges streams),
// run once after the upgrade with every ferry daemon upgraded.
func (b *Bus) DropLegacy(ctx context.Context) (msgs uint64, consumers int, err error) {
	for _, q := range []struct {
		stream string
		ok     func(string) bool
	}{
		{StreamClosed, func(s string) bool { _, err := ClosedOrigin(s); return err == nil }},
		{StreamJobs, func(s string) bool {
			_, cerr := JobOrigin(StageCopy, s)
			_, verr := JobOrigin(StageVerify, s)
			return cerr == nil || verr == nil
		}},
	} {
		stream, err := b.js.Stream(ctx, q.stream)
		if err != nil {
			return msgs, consumers, fmt.Errorf("couldn't open stream %s: %w", q.stream, err)
		}
		info, err := stream.Info(ctx, jetstream.WithSubjectFilter(">"))
		if err != nil {
			return msgs, consumers, fmt.Errorf("couldn't read stream %s: %w", q.stream, err)
		}
		for subject, n := range info.State.Subjects {
			if q.ok(subject) {
				continue
			}
			if err := stream.Purge(ctx, jetstream.WithPurgeSubject(subject)); err != nil {
				return msgs, consumers, fmt.Errorf("couldn't purge %s: %w", subject, err)
			}
			msgs += n
		}
	}
	stream, err := b.js.Stream(ctx, StreamJobs)
	if err != nil {
		return msgs, consumers, fmt.Errorf("couldn't open stream %s: %w", StreamJobs, err)
	}
	names := stream.ConsumerNames(ctx)
	var legacy []string
	for name := range names.Name() {
		for _, stage := range []Stage{StageCopy, StageVerify} {
			if tok, ok := strings.CutPrefix(name, string(stage)+"-"); ok {
				if _, err := HostFromToken(tok); err != nil {
					legacy = append(legacy, name)
				}
			}
		}
	}
	if err := names.Err(); err != nil {
		return msgs, consumers, fmt.Errorf("couldn't list consumers: %w", err)
	}
	for _, name := range legacy {
		if err := stream.DeleteConsumer(ctx, name); err != nil {
			return msgs, consumers, fmt.Errorf("couldn't delete consumer %s: %w", name, err)
		}
		consumers++
	}
	return msgs, consumers, nil
}
