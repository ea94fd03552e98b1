package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/ledger"
)

// A file dead-lettered for a conflict (another file where its copy goes)
// is shown by status and dead show; once the cause is removed and it is
// replayed, the next run moves it and deletes its source after the
// verification. A dropped letter's file is left alone (issue 9, item 3).
func TestIntegrationStatusAndDeadLetterTools(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	s := newSite(t, siteOptions{batch: "{files: 1, max_wait: 200ms}"}) // a letter per file
	blocked, moved, dropped := randomBytes(t, 10_000), randomBytes(t, 12_000), randomBytes(t, 9_000)
	s.heritrixWrite("job/a.warc.gz", blocked)
	s.heritrixWrite("job/b.warc.gz", moved)
	s.heritrixWrite("job/c.warc.gz", dropped)
	for _, rel := range []string{"job/a.warc.gz", "job/c.warc.gz"} {
		writeFile(t, filepath.Join(s.dst, rel), "someone else's file")
	}
	code, out, _ := s.runFerry("run", "--once", "--timeout", "2m")
	if code != 1 {
		t.Fatalf("first run: exit %d, want 1 (two conflicts)\n%s", code, out)
	}

	// status, text and JSON
	out = strings.Join(strings.Fields(s.ferryOK("status")), " ")
	for _, want := range []string{"route warcs, host crawler01", "files moved 1, failed 2", "dead letters 2 files",
		fmt.Sprintf("bytes moved %d", len(moved)), "copy 0 pending, 0 unacked", "oldest waiting none"} {
		mustContain(t, out, want)
	}
	var report statusReport
	decode(t, s.ferryOK("status", "--json"), &report)
	if len(report.Routes) != 1 {
		t.Fatalf("status --json: %+v", report)
	}
	r := report.Routes[0]
	if r.Files[ledger.Moved] != 1 || r.Files[ledger.Failed] != 2 || r.DeadLetters != 2 || r.BytesMoved != int64(len(moved)) ||
		r.OldestWaiting != nil || r.Backlog[bus.StageCopy] != (backlogN{}) {
		t.Fatalf("status --json: %+v", r)
	}

	// status PATH: absolute source path, destination path, relative path
	mustContain(t, s.ferryOK("status", filepath.Join(s.src, "job/a.warc.gz")), "dead-lettered")
	mustContain(t, s.ferryOK("status", filepath.Join(s.dst, "job/b.warc.gz")), "job/b.warc.gz (route warcs, host crawler01): moved")
	var files []fileStatus
	decode(t, s.ferryOK("status", "--json", "a.warc.gz"), &files)
	if len(files) != 1 || files[0].Record.State != ledger.Failed || !hasStep(files[0].History, "dead-lettered", "conflict") {
		t.Fatalf("status --json a.warc.gz: %+v", files)
	}

	// dead list / show / drop
	var letters []bus.StoredDeadLetter
	decode(t, s.ferryOK("dead", "list", "--json"), &letters)
	seq := map[string]string{}
	for _, d := range letters {
		seq[d.Files[0].File.Path] = fmt.Sprint(d.Seq)
	}
	if len(letters) != 2 || seq["job/a.warc.gz"] == "" || seq["job/c.warc.gz"] == "" {
		t.Fatalf("dead letters: %+v", letters)
	}
	mustContain(t, s.ferryOK("dead", "show", seq["job/a.warc.gz"]), `file "job/a.warc.gz"`)
	if code, _, errOut := s.runFerry("dead", "drop", seq["job/c.warc.gz"]); code != 2 || !strings.Contains(errOut, "--yes") {
		t.Fatalf("drop without --yes: exit %d %s", code, errOut)
	}
	if code, _, _ := s.runFerry("dead", "show", "999"); code != 2 {
		t.Fatalf("show of an unknown seq: exit %d, want 2", code)
	}
	mustContain(t, s.ferryOK("dead", "drop", "--yes", seq["job/c.warc.gz"]), "dropped 1 dead letters")

	// fix the cause, replay, run again
	if err := os.Remove(filepath.Join(s.dst, "job/a.warc.gz")); err != nil {
		t.Fatal(err)
	}
	mustContain(t, s.ferryOK("dead", "replay", seq["job/a.warc.gz"]), "replayed 1 files")
	// The dropped letter's file is still failed on disk: not retried, and
	// still reported.
	code, out, errOut := s.runFerry("run", "--once", "--timeout", "2m")
	if code != 1 || !strings.Contains(out, "moved: 1") || !strings.Contains(out, "failed (conflict): 1") {
		t.Fatalf("run after the replay: exit %d, want 1 with a moved and c still failed\n%s\n%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(s.src, "job/a.warc.gz")); !os.IsNotExist(err) {
		t.Fatalf("the replayed file's source is still there after its move (stat: %v)", err)
	}
	if got := tree(t, s.dst)["job/a.warc.gz"]; got != sha(blocked) {
		t.Fatal("the replayed file's copy is not its bytes")
	}
	if got, err := os.ReadFile(filepath.Join(s.src, "job/c.warc.gz")); err != nil || sha(got) != sha(dropped) {
		t.Fatalf("the dropped letter's source was touched: %v", err)
	}
	decode(t, s.ferryOK("dead", "list", "--json"), &letters)
	if len(letters) != 0 {
		t.Fatalf("dead letters left: %+v", letters)
	}
	mustContain(t, s.ferryOK("status", "job/a.warc.gz"), "job/a.warc.gz (route warcs, host crawler01): moved")
	// Its history survives the replay: each state in order, the failure with its job and error.
	decode(t, s.ferryOK("status", "--json", "--file", filepath.Join(s.src, "job/a.warc.gz")), &files)
	if len(files) != 1 {
		t.Fatalf("status --json --file a.warc.gz after the replay: %+v", files)
	}
	h := files[0].History
	want := []string{"closed", "failed", "replayed", "closed", "moved"}
	at := 0
	for _, step := range h {
		if at < len(want) && step.Event == want[at] {
			if step.Event == "failed" && (step.Reason != "conflict" || step.Job == "" || step.Error == "") {
				t.Errorf("failed step without its reason, job and error: %+v", step)
			}
			if step.Event == "moved" && (step.Job == "" || step.Job != files[0].Record.JobID) {
				t.Errorf("moved step %+v, want the record's job %s", step, files[0].Record.JobID)
			}
			at++
		}
	}
	if at != len(want) {
		t.Fatalf("history after the replay %+v, want the steps %v in order", h, want)
	}
	for i := 1; i < len(h); i++ {
		if h[i].Time.Before(h[i-1].Time) {
			t.Errorf("history not in time order at step %d: %+v", i, h)
		}
	}
	mustContain(t, s.ferryOK("status", "job/a.warc.gz"), "replayed")
}

func decode(t *testing.T, out string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%v in\n%s", err, out)
	}
}

func hasStep(steps []historyStep, event, reason string) bool {
	for _, h := range steps {
		if h.Event == event && h.Reason == reason {
			return true
		}
	}
	return false
}
