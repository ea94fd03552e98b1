package faults

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// proc is one ferry process. Its JSON log is appended to a file named after
// it, across restarts, and its tail is printed if the test fails.
type proc struct {
	t    *testing.T
	name string
	log  string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, set before done is closed
}

// startProc runs ferry with args in dir; cred, if set, is the user to run as.
func startProc(t *testing.T, dir, name string, cred *syscall.Credential, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, log: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	logFile, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(ferryBin, append([]string{"--log-format", "json"}, args...)...)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	if cred != nil {
		p.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	if err := p.cmd.Start(); err != nil {
		logFile.Close()
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	logsMu.Lock()
	first := !logsShown[p.log]
	logsShown[p.log] = true
	logsMu.Unlock()
	t.Cleanup(func() {
		p.kill()
		if first && t.Failed() { // cleanups run last first: the log is whole by now
			t.Logf("--- %s log (last 40 lines) ---\n%s", name, tail(p.log, 40))
		}
	})
	return p
}

// logsShown remembers logs already set to print on failure: restarts append
// to the same log, which is printed once.
var (
	logsMu    sync.Mutex
	logsShown = map[string]bool{}
)

func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	if p.running() {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-p.done
}

// exitCode is the exit status of a process that has exited, -1 if a signal ended it.
func (p *proc) exitCode() int {
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		return -1
	}
	return 0
}

// runFerryAs runs ferry to completion as cred (nil: this user) and returns
// its exit code, stdout and stderr.
func runFerryAs(t *testing.T, dir string, cred *syscall.Credential, timeout time.Duration, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(ferryBin, append([]string{"--log-format", "json"}, args...)...)
	cmd.Dir = dir
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(timeout, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	err := cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return ee.ExitCode(), stdout.String(), stderr.String()
	}
	t.Fatalf("ferry %s: %v (killed after %s?)\nstderr: %s", strings.Join(args, " "), err, timeout, lastLines(stderr.String(), 30))
	return 0, "", ""
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

func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return lastLines(string(data), n)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}

// waitFor polls cond every 100 ms until it holds or timeout passes. The
// timeouts are generous: these tests share two cores with other suites.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
