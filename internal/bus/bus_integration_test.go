package bus_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
	"github.com/ferrydata/ferry/internal/testkit"
)

// skipShort skips the tests that need a JetStream server under -short.
func skipShort(t *testing.T) {
	t.Helper()
	testkit.SkipShort(t, "needs JetStream; skipped under -short")
}

func backlog(t *testing.T, b *bus.Bus) uint64 {
	t.Helper()
	n, err := b.Backlog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func deadLetters(t *testing.T, b *bus.Bus) []bus.StoredDeadLetter {
	t.Helper()
	dls, err := b.DeadLetters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return dls
}

// A retried publish is dropped by its message id; a new announcement or a
// job with other files is not.
func TestIntegrationPublishDedup(t *testing.T) {
	skipShort(t)
	t.Parallel()
	ctx := context.Background()
	b := bustest.Start(t)
	c := validClosed()
	later := c
	later.Announced++
	for _, c := range []bus.Closed{c, c, later, later} {
		if err := b.PublishClosed(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if n := backlog(t, b); n != 2 {
		t.Fatalf("backlog after two announcements sent twice = %d, want 2", n)
	}
	j := validJob()
	other := validJob()
	other.Files = other.Files[:1]
	for _, j := range []bus.Job{j, j, other} {
		if err := b.PublishJob(ctx, bus.StageCopy, j); err != nil {
			t.Fatal(err)
		}
	}
	if n := backlog(t, b); n != 4 {
		t.Fatalf("backlog after two jobs of one id, one sent twice = %d, want 4", n)
	}
}

// Backlog counts what is waiting and what is in flight, not what is acked.
func TestIntegrationBacklogAfterAck(t *testing.T) {
	skipShort(t)
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := bustest.Start(t)
	if err := b.PublishClosed(ctx, validClosed()); err != nil {
		t.Fatal(err)
	}
	j := validJob()
	if err := b.PublishJob(ctx, bus.StageCopy, j); err != nil {
		t.Fatal(err)
	}
	cc := bus.ConsumerConfig{Stage: bus.StageCopy, Host: j.Host, AckWait: time.Second, MaxAckPending: 10}
	err := b.Work(ctx, cc, 1, func(ctx context.Context, d *bus.Delivery) {
		if n, err := b.Backlog(ctx); n != 2 || err != nil {
			t.Errorf("backlog with a job in flight = %d, %v; want 2", n, err)
		}
		if err := d.Ack(ctx); err != nil {
			t.Error(err)
		}
		cancel()
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := backlog(t, b); n != 1 {
		t.Errorf("backlog after the ack = %d, want 1", n)
	}
}

// Dead letters are listed oldest first, dropped one at a time, kept apart
// when they differ even if they share a job, and dropped when repeated,
// with or without a job (a redelivered bad event must not make two).
func TestIntegrationDeadLetters(t *testing.T) {
	skipShort(t)
	t.Parallel()
	ctx := context.Background()
	b := bustest.Start(t)
	if dls := deadLetters(t, b); len(dls) != 0 {
		t.Fatalf("new stream holds %+v", dls)
	}
	j := validJob()
	dead := func(i int) bus.DeadLetter {
		return bus.DeadLetter{JobID: j.ID, Route: j.Route, Host: j.Host, Reason: "conflict", Error: "differs",
			Files: []bus.DeadFile{{File: j.Files[i], Reason: "conflict", Error: "differs"}}}
	}
	forged := bus.DeadLetter{JobID: j.ID, Reason: "invalid", Error: "version 2", Raw: []byte(`{"v":2}`)}
	anon := bus.DeadLetter{Reason: "invalid", Error: "not json", Raw: []byte("x")}
	for _, dl := range []bus.DeadLetter{dead(0), dead(0), dead(1), forged, anon, anon} {
		if err := b.PublishDead(ctx, bus.StageCopy, dl); err != nil {
			t.Fatal(err)
		}
	}
	if err := bustest.PublishRaw(ctx, b, bus.DeadSubject(bus.StageVerify, "r", "h"), []byte("garbage")); err != nil {
		t.Fatal(err)
	}
	dls := deadLetters(t, b)
	want := []struct{ reason, path string }{{"conflict", j.Files[0].Path}, {"conflict", j.Files[1].Path},
		{"invalid", ""}, {"invalid", ""}, {"undecodable", ""}}
	if len(dls) != len(want) {
		t.Fatalf("%d dead letters, want %d: %+v", len(dls), len(want), dls)
	}
	for i, w := range want {
		dl := dls[i]
		if dl.Reason != w.reason || (w.path != "" && (len(dl.Files) != 1 || dl.Files[0].File != j.Files[i])) {
			t.Errorf("dead letter %d = %+v, want reason %s for %q", i, dl, w.reason, w.path)
		}
		if i > 0 && dl.Seq <= dls[i-1].Seq {
			t.Errorf("dead letters not oldest first: %d after %d", dl.Seq, dls[i-1].Seq)
		}
		if w.reason != "undecodable" && (dl.V != bus.Version || dl.Stage != "copy" || dl.At.IsZero()) {
			t.Errorf("dead letter %d lacks version, stage or time: %+v", i, dl)
		}
	}
	if !bytes.Equal(dls[2].Raw, forged.Raw) || !bytes.Equal(dls[4].Raw, []byte("garbage")) {
		t.Errorf("raw bytes lost: %q, %q", dls[2].Raw, dls[4].Raw)
	}
	for _, seq := range []uint64{dls[0].Seq, dls[0].Seq, 9999} { // twice, and one never there
		if err := b.DropDeadLetter(ctx, seq); err != nil {
			t.Fatalf("DropDeadLetter(%d) = %v", seq, err)
		}
	}
	if left := deadLetters(t, b); len(left) != len(want)-1 || left[0].Seq != dls[1].Seq {
		t.Errorf("after dropping the first: %+v", left)
	}
}

// A forged message near the size limit still gets its dead letter: the raw
// bytes and forged fields are cut to fit in one message.
func TestIntegrationDeadLetterTooBig(t *testing.T) {
	skipShort(t)
	t.Parallel()
	b := bustest.Start(t)
	raw := bytes.Repeat([]byte("r"), 900<<10)
	dl := bus.DeadLetter{JobID: "x", Route: strings.Repeat("o", 100<<10), Host: strings.Repeat("h", 300<<10),
		Reason: "invalid", Error: "bad", Raw: raw}
	if err := b.PublishDead(context.Background(), bus.StageCopy, dl); err != nil {
		t.Fatal(err)
	}
	dls := deadLetters(t, b)
	if len(dls) != 1 {
		t.Fatalf("%d dead letters, want 1", len(dls))
	}
	got := dls[0]
	if len(got.Raw) < 500<<10 || !bytes.HasPrefix(raw, got.Raw) || !strings.Contains(got.Error, "cut") {
		t.Errorf("raw bytes kept: %d of %d, error %q", len(got.Raw), len(raw), got.Error)
	}
	if len(got.Host) > 255 || len(got.Route) > 255 {
		t.Errorf("forged fields kept whole: host %d bytes, route %d", len(got.Host), len(got.Route))
	}
}

// A scan's events go out in batches; a batch holding an event announced
// just before is published one by one instead, and the repeat dropped.
func TestIntegrationPublishClosedAll(t *testing.T) {
	skipShort(t)
	t.Parallel()
	ctx := context.Background()
	b := bustest.Start(t)
	var events []bus.Closed
	for i := range 5 {
		c := validClosed()
		c.File.Path = fmt.Sprintf("job/warcs/WEB-%d.warc.gz", i)
		events = append(events, c)
	}
	if err := b.PublishClosedAll(ctx, events[:3]); err != nil {
		t.Fatal(err)
	}
	if n := backlog(t, b); n != 3 {
		t.Fatalf("backlog after a batch of 3 = %d, want 3", n)
	}
	if err := b.PublishClosedAll(ctx, events); err != nil {
		t.Fatal(err)
	}
	if n := backlog(t, b); n != 5 {
		t.Fatalf("backlog after 5 events, 3 of them again = %d, want 5", n)
	}
}
