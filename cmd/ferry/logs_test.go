package main

import (
	"bufio"
	"encoding/json"
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
