package main

import (
	"bufio"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// Every line a role writes says which role wrote it (issue 9, logs).
func TestIntegrationLogLinesCarryTheirRole(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	s := newSite(t, siteOptions{})
	s.heritrixWrite("job/a.warc.gz", randomBytes(t, 5_000))
	code, out, errOut := s.runFerry("--log-format", "json", "run", "--once", "--timeout", "2m")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	want := map[string]string{"announced closed file": "watcher", "job dispatched": "dispatcher",
		"file copied": "mover", "file verified": "verifier"}
	sc := bufio.NewScanner(strings.NewReader(errOut))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("not a JSON log line: %q", sc.Text())
		}
		msg, _ := line["msg"].(string)
		if role, ok := want[msg]; ok {
			if line["role"] != role {
				t.Errorf("%q has role %v, want %s", msg, line["role"], role)
			}
			delete(want, msg)
		}
	}
	if len(want) > 0 {
		t.Errorf("no log lines %v in\n%s", want, errOut)
	}
}

// Every line a role writes about a file names its route, host and file,
// and the job where there is one; a job's lines name the job, and a
// failure's line (a conflict at the destination) says all of it too
// (issue 9, logs).
func TestIntegrationFileLogLinesCarryRouteHostFileJob(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	s := newSite(t, siteOptions{})
	s.heritrixWrite("job/a.warc.gz", randomBytes(t, 5_000))
	s.heritrixWrite("job/b.warc.gz", randomBytes(t, 6_000))
	writeFile(t, filepath.Join(s.dst, "job/b.warc.gz"), "someone else's file") // a conflict
	code, out, errOut := s.runFerry("--log-format", "json", "run", "--once", "--timeout", "2m")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (a conflict)\n%s\n%s", code, out, errOut)
	}
	// The lines that must be there, by message and file ("" for a job line).
	want := map[[2]string]string{
		{"announced closed file", "job/a.warc.gz"}: "watcher",
		{"announced closed file", "job/b.warc.gz"}: "watcher",
		{"job dispatched", ""}:                     "dispatcher",
		{"file copied", "job/a.warc.gz"}:           "mover",
		{"file dead-lettered", "job/b.warc.gz"}:    "mover",
		{"file verified", "job/a.warc.gz"}:         "verifier",
	}
	files := 0
	sc := bufio.NewScanner(strings.NewReader(errOut))
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			if strings.HasPrefix(sc.Text(), "ferry: ") {
				continue // the exit's summary
			}
			t.Fatalf("not a JSON log line: %q", sc.Text())
		}
		msg, _ := line["msg"].(string)
		role, _ := line["role"].(string)
		file, named := line["file"].(string)
		if p, ok := line["path"].(string); ok && strings.HasPrefix(p, "job/") {
			t.Errorf("line names a file as path, not file: %s", sc.Text())
		}
		if named {
			files++
			if line["route"] != "warcs" || line["host"] != "crawler01" {
				t.Errorf("file line without its route and host: %s", sc.Text())
			}
			if role != "watcher" && line["job"] == nil {
				t.Errorf("%s's file line without its job: %s", role, sc.Text())
			}
		}
		if msg == "job dispatched" && (line["route"] != "warcs" || line["host"] != "crawler01" || line["job"] == nil) {
			t.Errorf("job line without route, host and job: %s", sc.Text())
		}
		key := [2]string{msg, file}
		if r, ok := want[key]; ok && r == role {
			delete(want, key)
		}
	}
	if len(want) > 0 {
		t.Errorf("no log lines %v in\n%s", want, errOut)
	}
	if files < 5 {
		t.Errorf("%d lines name a file; want at least the 5 above", files)
	}
}
