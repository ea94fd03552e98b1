package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus/bustest"
)

func TestRunAllLeavesRolesThatIgnoreTheStop(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	roles := map[string]runner{
		"dispatcher": func(ctx context.Context) error { <-ctx.Done(); return nil },
		"mover":      func(context.Context) error { <-release; return nil }, // a call that ignores ctx
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	err := runAll(ctx, roles, 200*time.Millisecond, bustest.Logger(t))
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("runAll took %s to give up, want about its 200ms grace", took)
	}
	if !errors.Is(err, errStuck) || !strings.Contains(err.Error(), "mover") || strings.Contains(err.Error(), "dispatcher") {
		t.Fatalf("err = %v, want errStuck naming the mover alone", err)
	}
}

func TestBoundedGivesUpAfterTheGrace(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	tests := []struct {
		name    string
		fn      func() error
		stop    bool
		wantErr error
	}{
		{"returns before a stop", func() error { return errFailures }, false, errFailures},
		{"returns within the grace", func() error { time.Sleep(50 * time.Millisecond); return nil }, true, nil},
		{"hangs past the grace", func() error { <-release; return nil }, true, errStuck},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.stop {
				cancel()
			}
			start := time.Now()
			err := bounded(ctx, 300*time.Millisecond, bustest.Logger(t), tt.fn)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Fatalf("took %s", took)
			}
		})
	}
}

func TestStuckInNamesTheWaitingFunction(t *testing.T) {
	release, parked := make(chan struct{}), make(chan struct{})
	defer close(release)
	go parkForTest(parked, release)
	<-parked
	got := strings.Join(stuckIn(), "; ")
	if !strings.Contains(got, "parkForTest at shutdown_test.go:") || strings.Contains(got, "stuckIn") {
		t.Fatalf("stuckIn() = %s, want parkForTest at its line, and not stuckIn itself", got)
	}
}

func parkForTest(parked, release chan struct{}) {
	close(parked)
	<-release
}

// waitExit waits up to d for cmd to end; ok is false if it still runs.
func waitExit(cmd *exec.Cmd, d time.Duration) (code int, ok bool) {
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
		return cmd.ProcessState.ExitCode(), true
	case <-time.After(d):
		return 0, false
	}
}

// waitLog waits until the log file at path holds want.
func waitLog(t *testing.T, path, want string) {
	t.Helper()
	waitFor(t, 30*time.Second, "log line "+want, func() bool {
		data, _ := os.ReadFile(path)
		return strings.Contains(string(data), want)
	})
}

// stuckS3 is an S3 endpoint that accepts connections and never answers, as
// a stopped (SIGSTOP) or wedged server does: the kernel completes the
// handshake, nothing reads the request. It returns the rclone config of a
// remote "stuck" pointing at it.
func stuckS3(t *testing.T, dir string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	conf := filepath.Join(dir, "rclone.conf")
	ini := fmt.Sprintf("[stuck]\ntype = s3\nprovider = Rclone\nendpoint = http://%s\naccess_key_id = k\nsecret_access_key = s\n", ln.Addr())
	if err := os.WriteFile(conf, []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	return conf
}

// A --once whose roles fail (here: a destination backend this build lacks)
// used to read the pipeline's result twice and wait forever, deaf to SIGTERM.
func TestIntegrationOnceEndsWhenThePipelineStops(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry as a process")
	}
	s := newSite(t, siteOptions{dst: ":nosuchbackend:dir", top: "shutdown_grace: 4s"})
	data := randomBytes(t, 4096)
	s.heritrixWrite("job/a.warc.gz", data)
	cmd, log := s.startFerryLog("run", "--once", "--timeout", "2m")
	code, ok := waitExit(cmd, 20*time.Second)
	if !ok {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		if code, ok = waitExit(cmd, 4*time.Second+3*time.Second); !ok {
			t.Fatal("ferry run --once hangs after its pipeline stopped, and SIGTERM does not end it")
		}
	}
	if code != 2 {
		t.Fatalf("exit %d, want 2 (an error)", code)
	}
	waitLog(t, log, "pipeline stopped with 1 files pending")
	if got, err := os.ReadFile(filepath.Join(s.src, "job/a.warc.gz")); err != nil || sha(got) != sha(data) {
		t.Fatalf("source not kept intact: %v", err)
	}
}

// A --once hung on a destination that never answers ends within its
// shutdown grace of a SIGTERM or of its --timeout, and deletes nothing.
func TestIntegrationHungOnceStops(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry as a process")
	}
	const grace = 4 * time.Second
	tests := []struct {
		name    string
		args    []string
		sigterm bool
	}{
		{"on SIGTERM", []string{"run", "--once"}, true},
		{"at its --timeout", []string{"run", "--once", "--timeout", "6s"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf := stuckS3(t, t.TempDir())
			s := newSite(t, siteOptions{dst: "stuck:bucket", top: fmt.Sprintf("shutdown_grace: %s\nrclone: {config: %s}", grace, conf)})
			heritrixTree(s)
			before := tree(t, s.src)
			cmd, log := s.startFerryLog(tt.args...)
			waitLog(t, log, "announced closed file")
			time.Sleep(2 * time.Second) // the mover takes the job and waits on the destination
			if _, ok := waitExit(cmd, 0); ok {
				t.Fatal("ferry run --once ended before it was stopped")
			}
			stop, wait := time.Now(), grace+3*time.Second
			if tt.sigterm {
				if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
			} else {
				wait += 6 * time.Second // the timeout counts from the start, a little before
			}
			code, ok := waitExit(cmd, wait)
			if !ok {
				t.Fatalf("still running %s after the stop, grace %s", time.Since(stop), grace)
			}
			t.Logf("ended %s after the stop, exit %d", time.Since(stop).Round(time.Millisecond), code)
			if code == 0 {
				t.Fatal("exit 0: files were left unmoved")
			}
			if got := tree(t, s.src); !maps.Equal(got, before) {
				t.Fatalf("source changed: %d files, want %d", len(got), len(before))
			}
		})
	}
}

// While stopping, a second signal ends the process at once, grace or not.
func TestIntegrationSecondSignalExitsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry as a process")
	}
	dir := t.TempDir()
	conf := stuckS3(t, dir)
	s := newSite(t, siteOptions{dst: "stuck:bucket", top: "shutdown_grace: 2m\nrclone: {config: " + conf + "}"})
	data := randomBytes(t, 4096)
	s.heritrixWrite("job/a.warc.gz", data)
	cmd, log := s.startFerryLog("run", "--once")
	waitLog(t, log, "announced closed file")
	time.Sleep(2 * time.Second)
	start := time.Now()
	for range 2 {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	code, ok := waitExit(cmd, 3*time.Second)
	if !ok {
		t.Fatalf("still running %s after two SIGTERMs", time.Since(start))
	}
	if code != 130 {
		t.Fatalf("exit %d, want 130 (interrupted)", code)
	}
	if got, err := os.ReadFile(filepath.Join(s.src, "job/a.warc.gz")); err != nil || sha(got) != sha(data) {
		t.Fatalf("source not kept intact: %v", err)
	}
}
