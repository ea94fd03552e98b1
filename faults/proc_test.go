package faults

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/testkit"
)

// startProc runs ferry with args in dir, its JSON log in dir/name.log;
// cred, if set, is the user to run as.
func startProc(t *testing.T, dir, name string, cred *syscall.Credential, args ...string) *testkit.Proc {
	t.Helper()
	return testkit.Start(t, ferryCommand(dir, name, cred, args))
}

// runFerryAs runs ferry to completion as cred (nil: this user) and returns
// its exit code, stdout and stderr.
func runFerryAs(t *testing.T, dir string, cred *syscall.Credential, timeout time.Duration, args ...string) (int, string, string) {
	t.Helper()
	return testkit.Run(t, ferryCommand(dir, "", cred, args), timeout)
}

func ferryCommand(dir, name string, cred *syscall.Credential, args []string) testkit.Command {
	return testkit.Command{Bin: ferryBin, Args: append([]string{"--log-format", "json"}, args...), Dir: dir, Name: name, Cred: cred}
}

// logRecord is one line of a JSON log.
type logRecord map[string]any

func (r logRecord) str(key string) string {
	s, _ := r[key].(string)
	return s
}

// readLog parses a JSON log, skipping lines that are not JSON (a panic's trace).
func readLog(t *testing.T, path string) []logRecord {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseLog(data)
}

func parseLog(data []byte) []logRecord {
	var out []logRecord
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	for sc.Scan() {
		var r logRecord
		if json.Unmarshal(sc.Bytes(), &r) == nil {
			out = append(out, r)
		}
	}
	return out
}

// findLog returns the records whose msg is msg and whose fields hold the given values.
func findLog(recs []logRecord, msg string, fields map[string]string) []logRecord {
	var out []logRecord
next:
	for _, r := range recs {
		if r.str("msg") != msg {
			continue
		}
		for k, v := range fields {
			if r.str(k) != v {
				continue next
			}
		}
		out = append(out, r)
	}
	return out
}
