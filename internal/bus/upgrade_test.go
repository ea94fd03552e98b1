package bus

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// A host whose token changed with the injective HostToken (its name has a
// dot or an underscore) gets a new consumer beside the one an older ferry
// left, and takes new jobs at once. A job left on the old subject is not
// delivered to it: the watcher announces its file again, since the file's
// ledger key changed too.
func TestIntegrationConsumerAfterTokenChange(t *testing.T) {
	srv := startTestServer(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b := connectTest(ctx, t, srv, ConnConfig{})
	const host, legacy = "c1.example.org", "c1_example_org"
	_, err := b.js.CreateOrUpdateConsumer(ctx, StreamJobs, jetstream.ConsumerConfig{Durable: "copy-" + legacy,
		FilterSubject: "ferry.copy.*." + legacy, AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.js.Publish(ctx, "ferry.copy.warcs."+legacy, []byte(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	j := Job{ID: "j1", Route: "warcs", Host: host, Files: []File{{Path: "a.warc.gz", Size: 1, ModTime: 1}}}
	if err := b.PublishJob(ctx, StageCopy, j); err != nil {
		t.Fatal(err)
	}
	var got []string
	work, stop := context.WithCancel(ctx)
	cc := ConsumerConfig{Stage: StageCopy, Host: host, AckWait: time.Second, MaxAckPending: 10}
	err = b.Work(work, cc, 1, func(ctx context.Context, d *Delivery) {
		got = append(got, d.Subject())
		_ = d.Ack(ctx)
		stop()
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "ferry.copy.warcs.c1_2eexample_2eorg" {
		t.Fatalf("delivered %q, want the new job only", got)
	}
	if n, err := b.RouteBacklog(ctx, "warcs", host); err != nil || n != 0 {
		t.Errorf("RouteBacklog = %d, %v; want 0 (the old subject is not the host's any more)", n, err)
	}
	// An admin drops what the old ferry left: the message and the consumer.
	if _, err := b.js.Publish(ctx, "ferry.closed.warcs."+legacy, []byte(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := b.PublishJob(ctx, StageVerify, j); err != nil { // a current job stays
		t.Fatal(err)
	}
	msgs, consumers, err := b.DropLegacy(ctx)
	if err != nil || msgs != 2 || consumers != 1 {
		t.Fatalf("DropLegacy = %d messages, %d consumers, %v; want 2, 1", msgs, consumers, err)
	}
	if n, err := b.Backlog(ctx); err != nil || n != 1 {
		t.Errorf("Backlog after DropLegacy = %d, %v; want the current verify job only", n, err)
	}
	if _, err := b.js.Consumer(ctx, StreamJobs, "copy-"+legacy); err == nil {
		t.Error("the old consumer is still there")
	}
	if _, err := b.js.Consumer(ctx, StreamJobs, consumerName(StageCopy, host)); err != nil {
		t.Errorf("the new consumer is gone: %v", err)
	}
}
