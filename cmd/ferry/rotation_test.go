package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/secrets/secretstest"
	"github.com/ferrydata/ferry/internal/testkit"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// s3Secret is the JSON a secret holds for an rclone remote "store" on srv.
func s3Secret(t *testing.T, srv *transfertest.S3) string {
	t.Helper()
	data, err := json.Marshal(map[string]map[string]string{"store": {
		"type": "s3", "provider": "Rclone", "endpoint": srv.Endpoint,
		"access_key_id": srv.KeyID, "secret_access_key": srv.Secret,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// secretSite is a site whose only storage credentials are in the fake
// Secrets Manager's secret "ferry/s3": no rclone.conf anywhere, a home of
// its own, and only the (fake) AWS keys in the environment.
func secretSite(t *testing.T, sm *secretstest.Server, refresh string) *site {
	t.Helper()
	secretstest.SetEnv(t)
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "RCLONE_") {
			t.Setenv(k, "")
		}
	}
	s := newSite(t, siteOptions{dst: "store:bucket/warcs",
		top: fmt.Sprintf("rclone: {secrets: [ferry/s3], endpoint: %q, refresh: %s}", sm.URL, refresh)})
	t.Setenv("HOME", s.dir)
	return s
}

// moveOne writes rel into the site's source and waits until it is in srv's
// bucket with the same bytes and gone from the source.
func moveOne(t *testing.T, s *site, srv *transfertest.S3, rel string) {
	t.Helper()
	data := randomBytes(t, 20_000)
	s.heritrixWrite(rel, data)
	testkit.WaitFor(t, 30*time.Second, rel+" copied to "+srv.Endpoint, func() bool {
		got, err := os.ReadFile(srv.Path("warcs/" + rel))
		return err == nil && bytes.Equal(got, data)
	})
	testkit.WaitFor(t, 30*time.Second, rel+"'s source deleted", func() bool {
		_, err := os.Stat(filepath.Join(s.src, rel))
		return os.IsNotExist(err)
	})
}

func TestIntegrationMoveWithCredentialsOnlyInASecret(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry as a process")
	}
	srv := transfertest.StartS3Server(t)
	sm := secretstest.Start(t)
	value := s3Secret(t, srv)
	sm.Put("ferry/s3", value)
	s := secretSite(t, sm, "1h")
	daemon := s.startFerry("run")
	for i := range 3 {
		moveOne(t, s, srv, fmt.Sprintf("job/WEB-%d.warc.gz", i))
	}
	if err := daemon.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := daemon.Wait(); err != nil {
		t.Fatalf("ferry run did not exit cleanly: %v", err)
	}
	if sm.Calls("ferry/s3") == 0 || len(sm.Refused()) > 0 {
		t.Fatalf("secret read %d times, refused %v", sm.Calls("ferry/s3"), sm.Refused())
	}
	// The secret's values, and the AWS key that read it, appear in no log
	// line and in no file under state_dir (JetStream's store, rclone's cache).
	needles := []string{srv.Secret, srv.KeyID, secretstest.Secret, value}
	logData, err := os.ReadFile(daemon.Log)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range needles {
		if bytes.Contains(logData, []byte(n)) {
			t.Errorf("the log holds a secret value %q", n)
		}
	}
	stateDir := filepath.Join(s.dir, "state")
	files := 0
	err = filepath.WalkDir(stateDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, n := range needles {
			if bytes.Contains(data, []byte(n)) {
				t.Errorf("%s holds a secret value %q", path, n)
			}
		}
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("walked %d files under %s: %v", files, stateDir, err)
	}
	// The log must be the daemon's own: it names where the remote came from.
	if !strings.Contains(string(logData), `remote=store source="secret ferry/s3"`) {
		t.Fatalf("the log does not say where store came from:\n%s", logData)
	}
}

// A rotated secret is picked up on SIGHUP and on refresh: the secret moves
// "store" from one S3 server to another and back, and each new file lands
// where the secret said when it was written.
func TestIntegrationRotatedSecretIsPickedUp(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry as a process")
	}
	a, b := transfertest.StartS3Server(t), transfertest.StartS3Server(t)
	sm := secretstest.Start(t)
	sm.Put("ferry/s3", s3Secret(t, a))
	s := secretSite(t, sm, "5s")
	daemon := s.startFerry("run")
	logHas := func(what string, n int) func() bool {
		return func() bool {
			data, _ := os.ReadFile(daemon.Log)
			return strings.Count(string(data), what) >= n
		}
	}
	moveOne(t, s, a, "job/WEB-1.warc.gz")

	sm.Put("ferry/s3", s3Secret(t, b))
	if err := daemon.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 10*time.Second, "the rotation on SIGHUP", logHas("rclone remotes rotated: new jobs use them\" trigger=SIGHUP", 1))
	testkit.WaitFor(t, 10*time.Second, "mover and verifier to reopen", logHas("routes reopened with the new rclone config", 2))
	moveOne(t, s, b, "job/WEB-2.warc.gz")

	sm.Put("ferry/s3", s3Secret(t, a))
	testkit.WaitFor(t, 20*time.Second, "the rotation on refresh", logHas("rclone remotes rotated: new jobs use them\" trigger=refresh", 1))
	testkit.WaitFor(t, 10*time.Second, "mover and verifier to reopen again", logHas("routes reopened with the new rclone config", 4))
	moveOne(t, s, a, "job/WEB-3.warc.gz")

	// A rotation that would put the destination inside the source is
	// refused: the remotes in use stay, and files still go to a.
	sm.Put("ferry/s3", fmt.Sprintf(`{"store": {"type": "hasher", "remote": %q}}`, s.src))
	if err := daemon.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 20*time.Second, "the overlapping rotation refused", logHas("refusing rotated rclone.secrets", 1))
	moveOne(t, s, a, "job/WEB-4.warc.gz")

	for _, p := range []string{a.Path("warcs/job/WEB-2.warc.gz"), b.Path("warcs/job/WEB-1.warc.gz"), b.Path("warcs/job/WEB-3.warc.gz")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s exists: a file went where the secret did not say", p)
		}
	}
	if err := daemon.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := daemon.Wait(); err != nil {
		t.Fatalf("ferry run did not exit cleanly: %v", err)
	}
}

// A rotated secret reaches a remote source too: the watcher lists the
// server the secret names now, and the workers open it.
func TestIntegrationRotatedSecretReachesARemoteSource(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry as a process")
	}
	a, b := transfertest.StartS3Server(t), transfertest.StartS3Server(t)
	sm := secretstest.Start(t)
	source := func(srv *transfertest.S3) string {
		data, _ := json.Marshal(map[string]map[string]string{"crawls": {"type": "s3", "provider": "Rclone",
			"endpoint": srv.Endpoint, "access_key_id": srv.KeyID, "secret_access_key": srv.Secret}})
		return string(data)
	}
	sm.Put("ferry/src", source(a))
	secretstest.SetEnv(t)
	s := newSite(t, siteOptions{})
	t.Setenv("HOME", s.dir)
	yaml := fmt.Sprintf(`host: crawler01
state_dir: %s
rescan_interval: 500ms
retry: {max_attempts: 2, ack_wait: 5s, backoff: [200ms]}
rclone: {secrets: [ferry/src], endpoint: %q, refresh: 1h}
routes:
  - {name: warcs, host: any, source: "crawls:bucket/in", destination: %q, min_age: 0s, batch: {files: 5, max_wait: 200ms}}
`, filepath.Join(s.dir, "state"), sm.URL, s.dst)
	if err := os.WriteFile(s.config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	daemon := s.startFerry("run")
	// Through the S3 API: rclone serve s3 caches its listings (rclone's
	// VFS), so bytes written behind its back may go unseen for minutes.
	put := func(srv *transfertest.S3, rel string) []byte {
		t.Helper()
		data := randomBytes(t, 5000)
		d, err := transfer.OpenDestination(t.Context(), srv.Remote+"/in", transfer.MD5)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Put(t.Context(), rel, bytes.NewReader(data), int64(len(data)), time.Now(), nil); err != nil {
			t.Fatal(err)
		}
		return data
	}
	moved := func(srv *transfertest.S3, rel string, data []byte) {
		t.Helper()
		testkit.WaitFor(t, 30*time.Second, rel+" moved from "+srv.Endpoint, func() bool {
			got, err := os.ReadFile(filepath.Join(s.dst, rel))
			_, srcErr := os.Stat(srv.Path("in/" + rel))
			return err == nil && bytes.Equal(got, data) && os.IsNotExist(srcErr)
		})
	}
	moved(a, "WEB-1.warc.gz", put(a, "WEB-1.warc.gz"))

	sm.Put("ferry/src", source(b))
	if err := daemon.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 10*time.Second, "mover and verifier to reopen", func() bool {
		data, _ := os.ReadFile(daemon.Log)
		return strings.Count(string(data), "routes reopened with the new rclone config") >= 2
	})
	moved(b, "WEB-2.warc.gz", put(b, "WEB-2.warc.gz"))
	if err := daemon.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := daemon.Wait(); err != nil {
		t.Fatalf("ferry run did not exit cleanly: %v", err)
	}
}

// A SIGHUP (systemctl reload) while `ferry run` is still starting is not
// SIGHUP's default, death: here the start hangs in connecting to a "NATS"
// that accepts and says nothing, the SIGHUP comes then, and the process
// goes on to fail that connection itself.
func TestIntegrationSIGHUPWhileStartingKeepsRunning(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry as a process")
	}
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	s := newSite(t, siteOptions{top: fmt.Sprintf("nats: {url: \"nats://%s\"}", silent.Addr())})
	daemon := s.startFerry("run")
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := silent.Accept(); err == nil {
			accepted <- c
		}
	}()
	select {
	case c := <-accepted:
		defer c.Close()
	case <-time.After(30 * time.Second):
		t.Fatal("ferry run never tried to connect to nats")
	}
	if err := daemon.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	err = daemon.Wait() // the client gives up on the silent server by itself
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			t.Fatalf("ferry run was killed by %s while starting", ws.Signal())
		}
	}
	data, _ := os.ReadFile(daemon.Log)
	if !strings.Contains(string(data), "couldn't connect to nats") {
		t.Fatalf("ferry run ended (%v) but not by failing its connection:\n%s", err, data)
	}
}
