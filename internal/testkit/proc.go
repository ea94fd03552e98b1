package testkit

import (
	"bytes"
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

// Command says how to run one process of a test.
type Command struct {
	Bin   string
	Args  []string
	Dir   string              // working directory; the log is Dir/Name.log
	Name  string              // names the log and the process in messages
	Env   []string            // added to this process's environment
	Netns string              // network namespace (ip netns) to run in; "" this one
	Cred  *syscall.Credential // the user to run as; nil this one
}

func (c Command) cmd() *exec.Cmd {
	var cmd *exec.Cmd
	if c.Netns == "" {
		cmd = exec.Command(c.Bin, c.Args...)
	} else {
		cmd = exec.Command("ip", append([]string{"netns", "exec", c.Netns, c.Bin}, c.Args...)...)
	}
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), c.Env...)
	if c.Cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.Cred}
	}
	return cmd
}

// Proc is a running process. Its output is appended to its log, across
// restarts under the same name, and the log's tail is printed once if the
// test fails.
type Proc struct {
	Name string
	Log  string // the log file's path
	Cmd  *exec.Cmd

	tb   testing.TB
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, set before done is closed
}

// logsShown remembers the logs already set to print on failure.
var (
	logsMu    sync.Mutex
	logsShown = map[string]bool{}
)

// Start starts c; the process is killed when the test ends.
func Start(tb testing.TB, c Command) *Proc {
	tb.Helper()
	p := &Proc{Name: c.Name, Log: filepath.Join(c.Dir, c.Name+".log"), Cmd: c.cmd(), tb: tb, done: make(chan struct{})}
	logFile, err := os.OpenFile(p.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		tb.Fatal(err)
	}
	p.Cmd.Stdout, p.Cmd.Stderr = logFile, logFile
	if err := p.Cmd.Start(); err != nil {
		logFile.Close()
		tb.Fatal(err)
	}
	go func() {
		p.err = p.Cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	logsMu.Lock()
	first := !logsShown[p.Log]
	logsShown[p.Log] = true
	logsMu.Unlock()
	tb.Cleanup(func() {
		p.Kill()
		if first && tb.Failed() { // cleanups run last first: the log is whole by now
			tb.Logf("--- %s log (last 60 lines) ---\n%s", p.Name, p.Tail(60))
		}
	})
	return p
}

// Running reports whether the process has not exited.
func (p *Proc) Running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Err is Wait's result once the process has exited, nil while it runs.
func (p *Proc) Err() error {
	select {
	case <-p.done:
		return p.err
	default:
		return nil
	}
}

// Wait waits for the process to exit and returns Wait's result.
func (p *Proc) Wait() error {
	<-p.done
	return p.err
}

// Pid is the process's id.
func (p *Proc) Pid() int { return p.Cmd.Process.Pid }

// Signal sends sig (os.ErrProcessDone once the process has exited).
func (p *Proc) Signal(sig os.Signal) error { return p.Cmd.Process.Signal(sig) }

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Proc) Kill() {
	if p.Running() {
		_ = p.Signal(syscall.SIGKILL)
	}
	<-p.done
}

// Stop sends SIGTERM and returns the exit error; a process still there
// after timeout is killed and reported as an error.
func (p *Proc) Stop(timeout time.Duration) error {
	if p.Running() {
		_ = p.Signal(syscall.SIGTERM)
	}
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		p.Kill()
		return fmt.Errorf("%s still running %s after SIGTERM", p.Name, timeout)
	}
}

// ExitCode is the exit status of a process that has exited (0 while it
// runs), -1 if a signal ended it.
func (p *Proc) ExitCode() int { return exitCode(p.Err()) }

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// Text is everything the process logged so far.
func (p *Proc) Text() string {
	data, err := os.ReadFile(p.Log)
	if err != nil {
		p.tb.Fatal(err)
	}
	return string(data)
}

// Tail is the last n lines of the log.
func (p *Proc) Tail(n int) string { return TailFile(p.Log, n) }

// WaitLogged waits until the process has logged msg, failing the test if it
// exits first.
func (p *Proc) WaitLogged(timeout time.Duration, msg string) {
	p.tb.Helper()
	WaitFor(p.tb, timeout, p.Name+" to log "+msg, func() bool {
		if !p.Running() {
			p.tb.Fatalf("%s exited: %v", p.Name, p.err)
		}
		return strings.Contains(p.Text(), msg)
	})
}

// Run runs c to completion, killing it after timeout, and returns its exit
// code, stdout and stderr (c.Name and the log are not used). A process
// that could not start or was killed fails the test.
func Run(tb testing.TB, c Command, timeout time.Duration) (int, string, string) {
	tb.Helper()
	cmd := c.cmd()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	timer := time.AfterFunc(timeout, func() { _ = cmd.Process.Kill() })
	defer timer.Stop()
	code := exitCode(cmd.Wait())
	if code < 0 {
		tb.Fatalf("%s %s: killed (after %s?)\nstderr: %s", c.Bin, strings.Join(c.Args, " "), timeout, LastLines(stderr.String(), 30))
	}
	return code, stdout.String(), stderr.String()
}

// TailFile is the last n lines of the file at path, or the error reading it.
func TailFile(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	return LastLines(string(data), n)
}

// LastLines is the last n lines of s.
func LastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}
