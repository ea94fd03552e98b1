package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus/bustest"
	"github.com/ferrydata/ferry/internal/testkit"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
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

// waitExit waits up to d for p to end; ok is false if it still runs.
func waitExit(p *testkit.Proc, d time.Duration) (code int, ok bool) {
	select {
	case <-p.Done():
		return p.ExitCode(), true
	case <-time.After(d):
		return 0, false
	}
}

// stuckS3 is an S3 endpoint that accepts connections and never answers, as
// a stopped (SIGSTOP) or wedged server does. It returns the rclone config
// of a remote "stuck" pointing at it, and a channel closed once ferry has
// connected: from then on ferry waits on it, whichever step (the start-up
// overlap probe, a copy) sent the request.
func stuckS3(t *testing.T, dir string) (conf string, waiting <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	connected := make(chan struct{})
	held := make(chan net.Conn, 64)
	go func() {
		for first := true; ; first = false {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			select {
			case held <- c: // kept open, never read: the request sits unanswered
			default:
				c.Close()
			}
			if first {
				close(connected)
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for {
			select {
			case c := <-held:
				c.Close()
			default:
				return
			}
		}
	})
	conf = filepath.Join(dir, "rclone.conf")
	ini := fmt.Sprintf("[stuck]\ntype = s3\nprovider = Rclone\nendpoint = http://%s\naccess_key_id = k\nsecret_access_key = s\n", ln.Addr())
	if err := os.WriteFile(conf, []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	return conf, connected
}

// waitStuck waits until ferry has sent a request to a stuck endpoint and
// then a little longer, so it is waiting on the answer when stopped.
func waitStuck(t *testing.T, waiting <-chan struct{}, cmd *testkit.Proc) {
	t.Helper()
	select {
	case <-waiting:
	case <-time.After(30 * time.Second):
		t.Fatal("ferry never connected to the stuck destination")
	}
	time.Sleep(time.Second)
	if _, ok := waitExit(cmd, 0); ok {
		t.Fatal("ferry run --once ended before it was stopped")
	}
}

// s3HangingAfterProbe is a real S3 server (rclone serve s3) behind a proxy
// that passes the start-up overlap probe and the bucket's creation, then
// holds the first other request (a mover's look at its destination)
// unanswered, and every one after it: a server that wedges mid-run. It
// returns the rclone config of a remote "stuck" pointing at the proxy, and
// a channel closed once a request is held.
func s3HangingAfterProbe(t *testing.T, dir string) (conf string, waiting <-chan struct{}) {
	t.Helper()
	s3 := transfertest.StartS3Server(t)
	target, err := url.Parse(s3.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(target) // keeps the Host header the request was signed for
	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/"+s3.Bucket), "/")
		if key == "" || strings.HasPrefix(key, transfer.ProbePrefix) {
			select {
			case <-held: // wedged: the probe's clean-up waits too
			default:
				forward.ServeHTTP(w, r)
				return
			}
		}
		once.Do(func() { close(held) })
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // before srv.Close, which waits for handlers
	conf = filepath.Join(dir, "rclone.conf")
	ini := fmt.Sprintf("[stuck]\ntype = s3\nprovider = Rclone\nendpoint = %s\naccess_key_id = %s\nsecret_access_key = %s\n",
		srv.URL, s3.KeyID, s3.Secret)
	if err := os.WriteFile(conf, []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	return conf, held
}

// A --once whose roles fail used to read the pipeline's result twice and
// wait forever, deaf to SIGTERM. Here the mover cannot open the destination,
// a regular file: the static overlap check passes it (a file is not a
// source) and local pairs need no probe, so it fails in the roles' own
// start, after the scan. Should the start-up checks refuse it one day, the
// run must still end at once with an error and nothing deleted.
func TestIntegrationOnceEndsWhenThePipelineStops(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry as a process")
	}
	dst := filepath.Join(t.TempDir(), "archive")
	if err := os.WriteFile(dst, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := newSite(t, siteOptions{dst: dst, top: "shutdown_grace: 4s"})
	data := randomBytes(t, 4096)
	s.heritrixWrite("job/a.warc.gz", data)
	cmd := s.startFerry("run", "--once", "--timeout", "2m")
	code, ok := waitExit(cmd, 20*time.Second)
	if !ok {
		_ = cmd.Signal(syscall.SIGTERM)
		if code, ok = waitExit(cmd, 4*time.Second+3*time.Second); !ok {
			t.Fatal("ferry run --once hangs after its pipeline stopped, and SIGTERM does not end it")
		}
	}
	if code != 2 {
		t.Fatalf("exit %d, want 2 (an error)", code)
	}
	out, _ := os.ReadFile(cmd.Log)
	switch {
	case strings.Contains(string(out), "pipeline stopped with 1 files pending"):
		mustContain(t, string(out), "it is a file")
	case strings.Contains(string(out), "overlap probe"):
		t.Logf("refused at start-up, not by the pipeline: this no longer tests a stopping pipeline")
	default:
		t.Fatalf("no pipeline stop in the cmd.Log:\n%s", out)
	}
	if got, err := os.ReadFile(filepath.Join(s.src, "job/a.warc.gz")); err != nil || sha(got) != sha(data) {
		t.Fatalf("source not kept intact: %v", err)
	}
}

// A --once hung on a destination that never answers ends within its
// shutdown grace of a SIGTERM or of its --timeout, and deletes nothing:
// whether it hangs in the start-up overlap probe or in a copy, where a job
// in flight is given part of the grace to finish.
func TestIntegrationHungOnceStops(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry as a process")
	}
	const grace = 4 * time.Second
	hangs := []struct {
		name string
		dst  func(t *testing.T, dir string) (conf string, waiting <-chan struct{})
	}{
		{"in the probe", stuckS3},
		{"in a copy", s3HangingAfterProbe},
	}
	stops := []struct {
		name    string
		args    []string
		sigterm bool
	}{
		{"on SIGTERM", []string{"run", "--once"}, true},
		{"at its --timeout", []string{"run", "--once", "--timeout", "8s"}, false},
	}
	for _, hang := range hangs {
		for _, stop := range stops {
			t.Run(hang.name+" "+stop.name, func(t *testing.T) {
				conf, waiting := hang.dst(t, t.TempDir())
				s := newSite(t, siteOptions{dst: "stuck:bucket", top: fmt.Sprintf("shutdown_grace: %s\nrclone: {config: %s}", grace, conf)})
				heritrixTree(s)
				before := tree(t, s.src)
				started := time.Now()
				cmd := s.startFerry(stop.args...)
				waitStuck(t, waiting, cmd)
				stopped, wait := time.Now(), grace+3*time.Second
				if stop.sigterm {
					if err := cmd.Signal(syscall.SIGTERM); err != nil {
						t.Fatal(err)
					}
				} else {
					stopped = started.Add(8 * time.Second) // the timeout counts from the start
					wait += time.Until(stopped)
				}
				code, ok := waitExit(cmd, wait)
				if !ok {
					t.Fatalf("still running %s after the stop, grace %s", time.Since(stopped), grace)
				}
				t.Logf("ended %s after the stop, exit %d", time.Since(stopped).Round(time.Millisecond), code)
				if code == 0 {
					t.Fatal("exit 0: files were left unmoved")
				}
				if got := tree(t, s.src); !maps.Equal(got, before) {
					t.Fatalf("source changed: %d files, want %d", len(got), len(before))
				}
			})
		}
	}
}

// While stopping, a second signal ends the process at once, grace or not.
// The hang is in a copy: a job in flight keeps the process in its grace
// after the first signal (a probe would end at once).
func TestIntegrationSecondSignalExitsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry as a process")
	}
	conf, waiting := s3HangingAfterProbe(t, t.TempDir())
	s := newSite(t, siteOptions{dst: "stuck:bucket", top: "shutdown_grace: 2m\nrclone: {config: " + conf + "}"})
	data := randomBytes(t, 4096)
	s.heritrixWrite("job/a.warc.gz", data)
	cmd := s.startFerry("run", "--once")
	waitStuck(t, waiting, cmd)
	start := time.Now()
	if err := cmd.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if _, ok := waitExit(cmd, 500*time.Millisecond); ok {
		t.Fatal("the first SIGTERM ended the run at once: nothing here tests a second one")
	}
	if err := cmd.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
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
