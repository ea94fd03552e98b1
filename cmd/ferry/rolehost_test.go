package main

import (
	"bufio"
	"cmp"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/testkit"
)

// startProc runs the ferry binary with args, inside network namespace ns
// unless it is "", its log in dir/name.log.
func startProc(t *testing.T, dir, name, ns string, env []string, args ...string) *testkit.Proc {
	t.Helper()
	return testkit.Start(t, testkit.Command{Bin: ferryBin, Args: args, Dir: dir, Name: name, Env: env, Netns: ns})
}

// logPaths returns the file= values (a file's path in its route) of the
// process's log lines with the given msg.
func logPaths(p *testkit.Proc, msg string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(p.Text()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, "msg=\""+msg+"\"") {
			continue
		}
		for f := range strings.FieldsSeq(line) {
			if v, ok := strings.CutPrefix(f, "file="); ok {
				out = append(out, strings.Trim(v, `"`))
			}
		}
	}
	return out
}

// writeFile writes a test config or data file, failing the test on error.
func writeFile(t *testing.T, path, text string) {
	t.Helper()
	testkit.WriteFile(t, path, []byte(text))
}

// roleHost is one host running ferry roles against the cluster: its own
// config (shared by its role processes, as on a real host), source and log.
type roleHost struct {
	t      *testing.T
	name   string
	dir    string
	src    string
	config string
	ns     string
	env    []string
	procs  map[string]*testkit.Proc
}

// hostOptions vary a roleHost's config.
type hostOptions struct {
	ns    string   // network namespace its processes run in
	url   string   // nats.url
	route string   // the route's YAML (name, source, destination, ...), indented as a list item
	env   []string // extra environment (rclone remotes)
	extra string   // more top-level YAML
	auth  string   // more nats YAML, e.g. "user: u, password: p"
	// replicas of the streams; 0 means 3
	replicas int
}

// newRoleHost writes a host's config; roles start with start.
func newRoleHost(t *testing.T, root, name string, opt hostOptions) *roleHost {
	t.Helper()
	h := &roleHost{t: t, name: name, dir: filepath.Join(root, name), ns: opt.ns, env: opt.env, procs: map[string]*testkit.Proc{}}
	h.src = filepath.Join(h.dir, "heritrix")
	h.config = filepath.Join(h.dir, "ferry.yaml")
	if err := os.MkdirAll(h.src, 0o755); err != nil {
		t.Fatal(err)
	}
	auth := ""
	if opt.auth != "" {
		auth = ", " + opt.auth
	}
	writeFile(t, h.config, testkit.Template(t, "testdata/rolehost.yaml", map[string]any{"Host": name,
		"State": filepath.Join(h.dir, "state"), "URL": opt.url, "Replicas": cmp.Or(opt.replicas, 3), "Auth": auth,
		"Extra": opt.extra, "Route": strings.ReplaceAll(opt.route, "$SRC", h.src)}))
	return h
}

// start runs each role as its own process.
func (h *roleHost) start(roles ...string) {
	h.t.Helper()
	for _, role := range roles {
		h.procs[role] = startProc(h.t, h.dir, h.name+"-"+role, h.ns, h.env, "--config", h.config, role)
	}
}

// heritrixWrite writes rel under the host's source as Heritrix does: to
// rel.open, renamed when complete.
func (h *roleHost) heritrixWrite(rel string, data []byte) {
	h.t.Helper()
	testkit.HeritrixWrite(h.t, filepath.Join(h.src, rel), data)
}

// stopAll sends SIGTERM to every role process and requires a clean exit.
func (h *roleHost) stopAll() {
	h.t.Helper()
	var wg sync.WaitGroup
	errs := map[string]error{}
	var mu sync.Mutex
	for role, p := range h.procs {
		wg.Go(func() {
			err := p.Stop(40 * time.Second)
			mu.Lock()
			errs[role] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	for role, err := range errs {
		if err != nil {
			h.t.Errorf("%s %s did not exit cleanly on SIGTERM: %v", h.name, role, err)
		}
	}
}
