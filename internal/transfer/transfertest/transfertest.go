// Package transfertest gives tests real rclone backends: transfer.Init done
// once per test binary, an S3 API served in-process by rclone's own
// `serve s3` over a temp dir, and SFTP from a real OpenSSH sshd on loopback
// (StartSFTP). It is for tests only; like package transfer it
// may import rclone, and nothing outside tests may import it.
package transfertest

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/rclone/rclone/fs/config"
	"github.com/rclone/rclone/fs/rc"

	// Registers "s3" with the rc's serve/start, the exported way to start it.
	_ "github.com/rclone/rclone/cmd/serve/s3"
)

var (
	initOnce sync.Once
	initErr  error
	servers  atomic.Int64 // numbers remotes and keys, unique per binary
)

// Init calls transfer.Init once per test binary with an empty in-memory
// config (never the developer's own rclone.conf) and a cache dir that
// outlives any one test. If the test binary called transfer.Init first,
// that call's Options stay in force.
func Init(tb testing.TB) {
	tb.Helper()
	initOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ferry-transfertest-")
		if err != nil {
			initErr = err
			return
		}
		// context.Background: rclone's limiters must outlive the first test.
		initErr = transfer.Init(context.Background(), transfer.Options{ConfigPath: os.DevNull, CacheDir: dir})
	})
	if initErr != nil {
		tb.Fatalf("couldn't initialise transfer: %v", initErr)
	}
}

// S3 is a running `rclone serve s3` and an rclone remote configured for it.
type S3 struct {
	Remote string // "ferrys3testN:bucket", for transfer.OpenDestination or OpenRemoteSource
	Name   string // the remote's name in rclone's in-memory config
	Bucket string
	Dir    string // the served directory: object "k" of Bucket is Dir/Bucket/k
	// Endpoint ("http://127.0.0.1:port") and the keys, for the rclone.conf
	// of another process (a ferry binary under test).
	Endpoint, KeyID, Secret string
}

// Path is where the server keeps object key on disk, for tests that tamper
// with stored bytes behind the S3 API's back.
func (s *S3) Path(key string) string {
	return filepath.Join(s.Dir, s.Bucket, filepath.FromSlash(key))
}

// StartS3 starts an S3 server with an empty bucket and returns a remote
// ("ferrys3testN:bucket") pointing at it. The server stops when tb ends.
func StartS3(tb testing.TB) string {
	tb.Helper()
	return StartS3Server(tb).Remote
}

// StartS3Server is StartS3, also telling where the bytes live on disk.
func StartS3Server(tb testing.TB) *S3 {
	tb.Helper()
	Init(tb)
	n := servers.Add(1)
	s := &S3{Name: fmt.Sprintf("ferrys3test%d", n), Bucket: "bucket", Dir: tb.TempDir()}
	s.Remote = s.Name + ":" + s.Bucket
	if err := os.Mkdir(filepath.Join(s.Dir, s.Bucket), 0o755); err != nil {
		tb.Fatalf("couldn't create bucket dir: %v", err)
	}
	keyID, secret := fmt.Sprintf("ferrytest%d", n), rand.Text()
	addr := serve(tb, rc.Params{
		"type":     "s3",
		"fs":       s.Dir,
		"addr":     "127.0.0.1:0",
		"auth_key": []string{keyID + "," + secret},
	})
	s.Endpoint, s.KeyID, s.Secret = "http://"+addr, keyID, secret
	for key, value := range map[string]string{
		"type":              "s3",
		"provider":          "Rclone",
		"endpoint":          s.Endpoint,
		"access_key_id":     keyID,
		"secret_access_key": secret,
	} {
		config.FileSetValue(s.Name, key, value)
	}
	return s
}

// serve starts a server through the rc, as `rclone rc serve/start` does,
// and stops it when tb ends. It returns the address the server listens on.
func serve(tb testing.TB, params rc.Params) string {
	tb.Helper()
	ctx := context.Background()
	out, err := rc.Calls.Get("serve/start").Fn(ctx, params)
	if err != nil {
		tb.Fatalf("couldn't start rclone serve %v: %v", params["type"], err)
	}
	id, _ := out["id"].(string)
	addr, _ := out["addr"].(string)
	tb.Cleanup(func() {
		if _, err := rc.Calls.Get("serve/stop").Fn(ctx, rc.Params{"id": id}); err != nil {
			tb.Errorf("couldn't stop rclone serve %s: %v", id, err)
		}
	})
	return addr
}

// ServeS3 serves dir as an S3 API on addr with one key pair, until tb ends,
// and returns the address it listens on. For servers in other network
// namespaces, started by a helper process.
func ServeS3(tb testing.TB, dir, addr, keyID, secret string) string {
	tb.Helper()
	Init(tb)
	return serve(tb, rc.Params{"type": "s3", "fs": dir, "addr": addr, "auth_key": []string{keyID + "," + secret}})
}
