package faults

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/testkit"
)

// route is the one route every site has.
const (
	routeName = "warcs"
	hostName  = "crawler01"
)

// site is one installation: a source root, a local destination, a state
// dir, a directory outside the root for canaries, and two configs over the
// same state: cfgRun for `ferry run` and `ferry nats` (embedded server,
// listening on port), cfgRoles for roles run apart against that listener.
type site struct {
	t        *testing.T
	dir      string
	src      string
	dst      string
	outside  string
	state    string
	port     int
	cfgRun   string
	cfgRoles string
	cred     *syscall.Credential // the user ferry runs as; nil: this one
}

// siteOptions are the knobs of a site's config; empty fields take defaults
// made for fast tests (see newSite).
type siteOptions struct {
	dstDir     string // where the destination lives (a tmpfs, say); default dir/destination
	batch      string
	retry      string
	minAge     string
	rescan     string
	staleAfter string
	concurrent int  // mover and verifier concurrency
	unpriv     bool // run ferry as an unprivileged user when the test runs as root
}

func newSite(t *testing.T, opt siteOptions) *site {
	t.Helper()
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&opt.batch, "{files: 5, bytes: 8MiB, max_wait: 300ms}")
	def(&opt.retry, "{max_attempts: 2, ack_wait: 10s, backoff: [300ms]}")
	def(&opt.minAge, "0s")
	def(&opt.rescan, "2s")
	def(&opt.staleAfter, "30s")
	if opt.concurrent == 0 {
		opt.concurrent = 2
	}
	dir := t.TempDir()
	s := &site{t: t, dir: dir, src: filepath.Join(dir, "heritrix"), dst: filepath.Join(dir, "destination"),
		outside: filepath.Join(dir, "outside"), state: filepath.Join(dir, "state"), port: testkit.FreePort(t)}
	if opt.dstDir != "" {
		s.dst = opt.dstDir
	}
	if opt.unpriv && os.Geteuid() == 0 {
		s.cred = &syscall.Credential{Uid: 65534, Gid: 65534}
	}
	for _, d := range []string{s.src, s.dst, s.outside, s.state} {
		mkdirAll(t, d)
	}
	if s.cred != nil {
		// The unprivileged ferry deletes sources (write on their directories),
		// writes the destination and its state, and reads its config.
		for _, d := range []string{dir, s.src, s.dst, s.outside, s.state} {
			if err := os.Chmod(d, 0o777); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chown(s.state, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			t.Fatal(err)
		}
		// t.TempDir's own parent is private.
		if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	config := func(nats string) string {
		return testkit.Template(t, "testdata/site.yaml", map[string]any{"Host": hostName, "State": s.state,
			"Rescan": opt.rescan, "StaleAfter": opt.staleAfter, "Retry": opt.retry, "Concurrent": opt.concurrent,
			"Route": routeName, "Src": s.src, "Dst": s.dst, "MinAge": opt.minAge, "Batch": opt.batch, "Nats": nats})
	}
	s.cfgRun = filepath.Join(dir, "ferry.yaml")
	s.cfgRoles = filepath.Join(dir, "ferry-roles.yaml")
	writeConfig(t, s.cfgRun, config(fmt.Sprintf("nats: {server: {listen: \"127.0.0.1:%d\"}}", s.port)))
	writeConfig(t, s.cfgRoles, config(fmt.Sprintf("nats: {url: \"nats://127.0.0.1:%d\"}", s.port)))
	return s
}

func writeConfig(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// start runs a daemon: "run", "nats", or a role run apart.
func (s *site) start(name string) *testkit.Proc {
	s.t.Helper()
	cfg := s.cfgRoles
	if name == "run" || name == "nats" {
		cfg = s.cfgRun
	}
	return startProc(s.t, s.dir, name, s.cred, "--config", cfg, name)
}

// ferry runs a short ferry command against cfgRun to completion.
func (s *site) ferry(timeout time.Duration, args ...string) (int, string, string) {
	s.t.Helper()
	return runFerryAs(s.t, s.dir, s.cred, timeout, append([]string{"--config", s.cfgRun}, args...)...)
}

// rel is a path under the source root.
func (s *site) path(rel string) string { return filepath.Join(s.src, filepath.FromSlash(rel)) }

func (s *site) dstPath(rel string) string { return filepath.Join(s.dst, filepath.FromSlash(rel)) }

// write creates a source file directly (not as Heritrix would).
func (s *site) write(rel string, data []byte) {
	s.t.Helper()
	p := s.path(rel)
	s.mkdir(filepath.Dir(p))
	testkit.WriteFile(s.t, p, data)
}

// heritrixWrite writes rel as Heritrix does: to rel.open, renamed when whole.
func (s *site) heritrixWrite(rel string, data []byte) {
	s.t.Helper()
	p := s.path(rel)
	s.mkdir(filepath.Dir(p))
	testkit.HeritrixWrite(s.t, p, data)
}

// mkdir creates directories the unprivileged ferry, if any, may delete in.
func (s *site) mkdir(dir string) {
	s.t.Helper()
	mkdirAll(s.t, dir)
	if s.cred != nil {
		for d := dir; strings.HasPrefix(d, s.dir+"/"); d = filepath.Dir(d) {
			if err := os.Chmod(d, 0o777); err != nil {
				s.t.Fatal(err)
			}
		}
	}
}

func mkdirAll(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}
