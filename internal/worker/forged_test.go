package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/worker"
)

// forged returns the raw bytes of a job with edit applied, as anyone able to
// publish on the job subject could send. All share one job id.
func forged(t *testing.T, edit func(*bus.Job)) []byte {
	t.Helper()
	j := job("forged1", "a/b.warc.gz")
	j.V = bus.Version
	edit(&j)
	data, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Malformed and forged messages are dead-lettered as invalid with their raw
// bytes, the handler never sees them, and the loop keeps serving.
func TestIntegrationForgedJobsAreDeadLettered(t *testing.T) {
	skipShort(t)
	t.Parallel()
	path := func(p string) func(*bus.Job) { return func(j *bus.Job) { j.Files[0].Path = p } }
	files := make([]bus.File, bus.MaxJobFiles+1)
	for i := range files {
		files[i] = bus.File{Path: fmt.Sprintf("f%05d", i), Size: 1, ModTime: 1}
	}
	valid := string(forged(t, func(*bus.Job) {}))
	cases := []struct {
		name string
		data []byte
	}{
		{"invalid JSON", []byte(`{"v":1,"id":"forged1",`)},
		{"empty", []byte{}},
		{"version 2", forged(t, func(j *bus.Job) { j.V = 2 })},
		{"unknown route", forged(t, func(j *bus.Job) { j.Route = "other" })},
		{"another host's job", forged(t, func(j *bus.Job) { j.Host = "h2" })},
		{"absolute path", forged(t, path("/etc/passwd"))},
		{"dotdot", forged(t, path("../../etc/passwd"))},
		{"newline in name", forged(t, path("a/b\n.warc.gz"))},
		{"a name the route's rules exclude", forged(t, path("job/a.warc.gz.open"))},
		{"invalid UTF-8", []byte(strings.Replace(valid, "b.warc.gz", "b\xff.warc.gz", 1))},
		{"64 KiB name", forged(t, path(strings.Repeat("n", 64<<10)))},
		{"64 KiB host", forged(t, func(j *bus.Job) { j.Host = strings.Repeat("h", 64<<10) })},
		{"10001 files", forged(t, func(j *bus.Job) { j.Files = files })},
		{"900 KiB of garbage", bytes.Repeat([]byte{'x'}, 900<<10)}, // too big to keep whole
	}
	var calls atomic.Int32
	r := newRig(t, policy(), func(_ context.Context, job bus.Job, _ *transfer.Progress) worker.Outcome {
		calls.Add(1)
		if job.ID != "valid" {
			t.Errorf("handler called with forged job %.200q", fmt.Sprint(job))
		}
		return worker.Outcome{}
	})
	for _, c := range cases {
		if err := bustest.PublishRaw(context.Background(), r.bus, jobSubject, c.data); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	r.publish(job("valid", "a"))
	r.start()
	waitFor(t, "the valid job after the forged ones", func() bool { return calls.Load() > 0 && r.backlog() == 0 })
	dls := r.deadLetters()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, dl := range dls {
				cut := len(c.data) > 700<<10 // with base64, more than a 1 MiB message
				if cut && len(dl.Raw) > 100<<10 && bytes.HasPrefix(c.data, dl.Raw) && strings.Contains(dl.Error, "cut") ||
					bytes.Equal(dl.Raw, c.data) {
					if dl.Reason != fault.ReasonInvalid || dl.Error == "" || dl.Stage != string(bus.StageCopy) {
						t.Errorf("dead letter has reason %q, error %.200q; want reason %s and an error",
							dl.Reason, dl.Error, fault.ReasonInvalid)
					}
					return
				}
			}
			t.Errorf("no dead letter holds the raw message (%d letters)", len(dls))
		})
	}
	if len(dls) != len(cases) {
		t.Errorf("%d dead letters for %d bad messages", len(dls), len(cases))
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("handler called %d times, want once for the valid job", n)
	}
}
