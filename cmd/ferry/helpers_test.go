package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/bus/bustest"
	"github.com/ferrydata/ferry/internal/config"
	"github.com/ferrydata/ferry/internal/testkit"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// site is one test installation: a source tree, a destination and a config.
type site struct {
	t      testing.TB
	dir    string
	src    string
	dst    string // a local path, or an rclone remote
	config string
}

// siteOptions vary a test site's config.
type siteOptions struct {
	dst        string // default: a local directory
	rescan     string // default 1s
	routeExtra string // YAML appended to the route
	batch      string // default {files: 5, max_wait: 200ms}
	metrics    string // metrics.listen; default "" (off)
	top        string // YAML of top-level keys, added before the routes
	retry      string // default {max_attempts: 2, ack_wait: 5s, backoff: [200ms]}
}

// newSite writes a config for one route from a fresh source tree.
func newSite(t testing.TB, opt siteOptions) *site {
	t.Helper()
	transfertest.Init(t)
	dir := t.TempDir()
	s := &site{t: t, dir: dir, src: filepath.Join(dir, "heritrix"), dst: opt.dst}
	if opt.rescan == "" {
		opt.rescan = "1s"
	}
	if opt.batch == "" {
		opt.batch = "{files: 5, max_wait: 200ms}"
	}
	if opt.retry == "" {
		opt.retry = "{max_attempts: 2, ack_wait: 5s, backoff: [200ms]}"
	}
	if s.dst == "" {
		s.dst = filepath.Join(dir, "destination")
	}
	if err := os.MkdirAll(s.src, 0o755); err != nil {
		t.Fatal(err)
	}
	s.config = filepath.Join(dir, "ferry.yaml")
	yaml := testkit.Template(t, "testdata/site.yaml", map[string]string{"State": filepath.Join(dir, "state"),
		"Metrics": opt.metrics, "Rescan": opt.rescan, "Retry": opt.retry, "Top": opt.top, "Src": s.src, "Dst": s.dst,
		"Batch": opt.batch, "RouteExtra": opt.routeExtra})
	if err := os.WriteFile(s.config, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

// heritrixWrite writes rel as Heritrix does: to rel.open, renamed when complete.
func (s *site) heritrixWrite(rel string, data []byte) {
	s.t.Helper()
	testkit.HeritrixWrite(s.t, filepath.Join(s.src, rel), data)
}

// write creates a file in the source directly (open, active and lock files).
func (s *site) write(rel string, data []byte) {
	s.t.Helper()
	testkit.WriteFile(s.t, filepath.Join(s.src, rel), data)
}

// runFerry runs the CLI in this process and returns its exit code and output.
func (s *site) runFerry(args ...string) (int, string, string) {
	s.t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"ferry", "--config", s.config}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// ferryOK runs the CLI and fails the test unless it exits 0.
func (s *site) ferryOK(args ...string) string {
	s.t.Helper()
	code, out, errOut := s.runFerry(args...)
	if code != 0 {
		s.t.Fatalf("ferry %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// tree maps every regular file under root to the sha256 of its bytes.
func tree(t testing.TB, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		out[filepath.ToSlash(rel)] = sha(data)
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

func sha(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + n)
	}
	copy(b, []byte(t.Name()+time.Now().String()))
	return b
}

// withBus runs fn with the site's JetStream opened through a private
// embedded server over its state dir (no ferry process may be running),
// closed when fn returns.
func (s *site) withBus(fn func(ctx context.Context, b *bus.Bus) error) {
	s.t.Helper()
	cfg, err := config.Load(s.config)
	if err != nil {
		s.t.Fatal(err)
	}
	ctx := context.Background()
	sys, err := openClient(ctx, cfg, bustest.Logger(s.t))
	if err != nil {
		s.t.Fatal(err)
	}
	defer sys.close()
	if err := fn(ctx, sys.bus); err != nil {
		s.t.Fatal(err)
	}
}

// deadLetters reads the site's dead letters (see withBus).
func (s *site) deadLetters() (letters []bus.StoredDeadLetter) {
	s.t.Helper()
	s.withBus(func(ctx context.Context, b *bus.Bus) (err error) {
		letters, err = b.DeadLetters(ctx)
		return err
	})
	return letters
}

// movedEvents reads the site's arrival events of route, "*" for all (see withBus).
func (s *site) movedEvents(route string) (events []bus.MovedEvent) {
	s.t.Helper()
	s.withBus(func(ctx context.Context, b *bus.Bus) (err error) {
		events, err = b.MovedEvents(ctx, route)
		return err
	})
	return events
}

func mustContain(t *testing.T, got, want string) {
	t.Helper()
	if !strings.Contains(got, want) {
		t.Fatalf("output lacks %q:\n%s", want, got)
	}
}
