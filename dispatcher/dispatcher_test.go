package dispatcher

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/metrics"
)

// jobsOn collects the copy jobs published for a host until want arrive.
func jobsOn(t *testing.T, b *bus.Bus, host string, want int) []bus.Job {
	t.Helper()
	var jobs []bus.Job
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := b.Work(ctx, bus.ConsumerConfig{Stage: bus.StageCopy, Host: host, AckWait: time.Minute, MaxAckPending: 100}, 1,
		func(_ context.Context, d *bus.Delivery) {
			j, err := bus.DecodeJob(d.Data())
			if err != nil {
				t.Errorf("dispatcher published an invalid job: %v", err)
			}
			jobs = append(jobs, j)
			_ = d.Ack(context.Background())
			if len(jobs) == want {
				cancel()
			}
		})
	if err != nil || len(jobs) < want {
		t.Fatalf("got %d jobs (err %v), want %d", len(jobs), err, want)
	}
	return jobs
}

func TestIntegrationDispatcher(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	b := bustest.Start(t)
	cfg := Config{AckWait: 10 * time.Second, Routes: map[string]Limits{
		"warcs": {Files: 3, Bytes: 1000, MaxWait: 300 * time.Millisecond},
	}}
	d, err := New(cfg, Deps{Bus: b, Ledger: ledger.New(b.Ledger()), Log: bustest.Logger(t), Metrics: metrics.New()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() { cancel(); <-done }()

	announce := func(host, path string, size int64) {
		t.Helper()
		c := bus.Closed{Route: "warcs", Host: host, File: bus.File{Path: path, Size: size, ModTime: 1}, Announced: time.Now().UnixNano()}
		if err := b.PublishClosed(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 4 { // 3 make a full job; the 4th waits for max_wait
		announce("crawler01", fmt.Sprintf("a/%d.warc.gz", i), 10)
	}
	announce("crawler01", "big.warc.gz", 5000) // over the byte cap: alone
	announce("crawler02", "b/0.warc.gz", 10)   // another host: another job

	sizes := map[int]int{}
	for _, j := range jobsOn(t, b, "crawler01", 3) {
		if j.Route != "warcs" || j.Host != "crawler01" {
			t.Fatalf("job %+v on the wrong route or host", j)
		}
		sizes[len(j.Files)]++
	}
	if sizes[3] != 1 || sizes[1] != 2 {
		t.Fatalf("job sizes %v, want one of 3 files and two of 1", sizes)
	}
	if j := jobsOn(t, b, "crawler02", 1); len(j[0].Files) != 1 || j[0].Files[0].Path != "b/0.warc.gz" {
		t.Fatalf("crawler02 job = %+v", j[0])
	}

	// Bad events are dead-lettered with their raw bytes; good ones still flow.
	bad := map[string][]byte{
		"not json":      []byte("{nope"),
		"wrong version": mustJSON(t, map[string]any{"v": 2, "route": "warcs", "host": "h", "file": map[string]any{"path": "x.warc.gz"}}),
		"unknown route": mustJSON(t, bus.Closed{V: 1, Route: "nope", Host: "h", File: bus.File{Path: "x.warc.gz"}}),
		"escaping path": mustJSON(t, bus.Closed{V: 1, Route: "warcs", Host: "h", File: bus.File{Path: "../etc/passwd"}}),
	}
	for _, data := range bad {
		if err := bustest.PublishRaw(context.Background(), b, "ferry.closed.warcs.h", data); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	var letters []bus.StoredDeadLetter
	for len(letters) < len(bad) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		letters, _ = b.DeadLetters(context.Background())
	}
	if len(letters) != len(bad) {
		t.Fatalf("%d dead letters, want %d", len(letters), len(bad))
	}
	for _, l := range letters {
		if l.Stage != "dispatch" || l.Reason != "invalid" || len(l.Raw) == 0 {
			t.Errorf("dead letter %+v, want stage dispatch, reason invalid, raw kept", l.DeadLetter)
		}
	}
	announce("crawler01", "after/bad.warc.gz", 10)
	if j := jobsOn(t, b, "crawler01", 1); j[0].Files[0].Path != "after/bad.warc.gz" {
		t.Fatalf("dispatcher stopped after bad input: %+v", j)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
