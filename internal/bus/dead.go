package bus

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// StoredDeadLetter is a dead letter with its place in the stream.
type StoredDeadLetter struct {
	Seq uint64
	DeadLetter
}

// DeadLetters returns every dead letter, oldest first.
func (b *Bus) DeadLetters(ctx context.Context) ([]StoredDeadLetter, error) {
	stream, err := b.js.Stream(ctx, StreamDead)
	if err != nil {
		return nil, fmt.Errorf("couldn't open dead letters: %w", err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("couldn't read dead letters: %w", err)
	}
	if info.State.Msgs == 0 {
		return nil, nil
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return nil, fmt.Errorf("couldn't read dead letters: %w", err)
	}
	var out []StoredDeadLetter
	for uint64(len(out)) < info.State.Msgs {
		msg, err := cons.Next(jetstream.FetchMaxWait(2 * time.Second))
		if err != nil {
			break // fewer than counted: some were deleted meanwhile
		}
		md, err := msg.Metadata()
		if err != nil {
			return nil, err
		}
		var dl DeadLetter
		if err := json.Unmarshal(msg.Data(), &dl); err != nil {
			dl = DeadLetter{Reason: "undecodable", Error: err.Error(), Raw: msg.Data()}
		}
		out = append(out, StoredDeadLetter{Seq: md.Sequence.Stream, DeadLetter: dl})
		if md.NumPending == 0 {
			break
		}
	}
	return out, nil
}

// DropDeadLetter removes one dead letter once an operator has dealt with it.
func (b *Bus) DropDeadLetter(ctx context.Context, seq uint64) error {
	stream, err := b.js.Stream(ctx, StreamDead)
	if err != nil {
		return fmt.Errorf("couldn't open dead letters: %w", err)
	}
	if err := stream.DeleteMsg(ctx, seq); err != nil && !gone(ctx, stream, seq) {
		return fmt.Errorf("couldn't drop dead letter %d: %w", seq, err)
	}
	return nil
}

// gone reports whether a message is not in the stream. A failed delete of a
// missing message wraps ErrMsgDeleteUnsuccessful, not ErrMsgNotFound.
func gone(ctx context.Context, stream jetstream.Stream, seq uint64) bool {
	_, err := stream.GetMsg(ctx, seq)
	return errors.Is(err, jetstream.ErrMsgNotFound)
}

// Backlog counts messages still in the work streams: waiting, being worked
// on, held in a batch or waiting out a retry delay. Zero means that no ferry
// anywhere has work in flight.
func (b *Bus) Backlog(ctx context.Context) (uint64, error) {
	var total uint64
	for _, name := range []string{StreamClosed, StreamJobs} {
		stream, err := b.js.Stream(ctx, name)
		if err != nil {
			return 0, fmt.Errorf("couldn't open stream %s: %w", name, err)
		}
		info, err := stream.Info(ctx)
		if err != nil {
			return 0, fmt.Errorf("couldn't read stream %s: %w", name, err)
		}
		total += info.State.Msgs
	}
	return total, nil
}

// RouteBacklog counts the messages of one route and host still in the work
// streams. Zero means no ferry has work in flight for them: a file of that
// route and host that is not done has lost its message.
func (b *Bus) RouteBacklog(ctx context.Context, route, host string) (uint64, error) {
	var total uint64
	for _, q := range []struct{ stream, filter string }{
		{StreamClosed, ClosedSubject(route, host)},
		{StreamJobs, "ferry.*." + route + "." + HostToken(host)},
	} {
		stream, err := b.js.Stream(ctx, q.stream)
		if err != nil {
			return 0, fmt.Errorf("couldn't open stream %s: %w", q.stream, err)
		}
		info, err := stream.Info(ctx, jetstream.WithSubjectFilter(q.filter))
		if err != nil {
			return 0, fmt.Errorf("couldn't read stream %s: %w", q.stream, err)
		}
		for _, n := range info.State.Subjects {
			total += n
		}
	}
	return total, nil
}

// ClosedSince is when FERRY_CLOSED was made: a file announced before then
// lost its message where the stream is kept in memory (see setup).
func (b *Bus) ClosedSince(ctx context.Context) (time.Time, error) {
	stream, err := b.js.Stream(ctx, StreamClosed)
	if err != nil {
		return time.Time{}, fmt.Errorf("couldn't open stream %s: %w", StreamClosed, err)
	}
	return stream.CachedInfo().Created, nil
}

// deadDigest names a dead letter's content for dedup: its route, host, job,
// attempts, reason, files and raw bytes (an event's raw bytes tell its
// announcements apart), but not error texts, which may differ between two
// deliveries of one decision.
func deadDigest(d DeadLetter) string {
	h := sha256.New()
	for _, s := range []string{d.Route, d.Host, d.JobID, strconv.Itoa(d.Attempts), d.Reason} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	for _, f := range d.Files {
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00%s\x00", f.File.Path, f.File.Size, f.File.ModTime, f.Reason)
	}
	h.Write(d.Raw)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// fit cuts a dead letter of a forged message down to maxPayload: the
// fields copied from the message, then the raw bytes, saying so in Error.
// A letter too big to publish would retry its message forever.
func fit(d *DeadLetter, maxPayload int) {
	const slack = 1 << 10 // headers, and the note added to Error
	if size(d) <= maxPayload-slack {
		return
	}
	d.JobID, d.Route, d.Host, d.Error = clip(d.JobID), clip(d.Route), clip(d.Host), clip(d.Error)
	raw := d.Raw
	d.Raw = nil
	keep := base64.StdEncoding.DecodedLen(maxPayload - slack - size(d))
	if keep < len(raw) {
		d.Error += " (raw message cut to its first " + strconv.Itoa(max(keep, 0)) + " of " + strconv.Itoa(len(raw)) + " bytes)"
		raw = raw[:max(keep, 0)]
	}
	d.Raw = raw
}

func size(d *DeadLetter) int {
	data, _ := json.Marshal(d)
	return len(data)
}
