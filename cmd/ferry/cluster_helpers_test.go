package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sys/unix"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/ledger"
)

// freePorts picks n distinct free loopback ports: listen on 127.0.0.1:0,
// all at once so no port comes up twice, then close.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	ports := make([]int, n)
	var ls []net.Listener
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// proc is one ferry process of a multi-process test; its output goes to a
// log file whose tail is printed if the test fails.
type proc struct {
	t    *testing.T
	name string
	log  string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, set before done is closed
}

// startProc runs ferry with args, inside network namespace ns unless it is "".
func startProc(t *testing.T, dir, name, ns string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, log: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	logFile, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if ns == "" {
		p.cmd = exec.Command(ferryBin, args...)
	} else {
		p.cmd = exec.Command("ip", append([]string{"netns", "exec", ns, ferryBin}, args...)...)
	}
	p.cmd.Dir = dir
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	if err := p.cmd.Start(); err != nil {
		logFile.Close()
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("--- %s log (last 60 lines) ---\n%s", name, p.tail(60))
		}
	})
	return p
}

// running reports whether the process has not exited.
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

// stop sends SIGTERM and returns the exit error; a process still there
// after timeout is killed and reported as an error.
func (p *proc) stop(timeout time.Duration) error {
	if p.running() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		p.kill()
		return fmt.Errorf("%s still running %s after SIGTERM", p.name, timeout)
	}
}

// text is everything the process logged so far.
func (p *proc) text() string {
	data, err := os.ReadFile(p.log)
	if err != nil {
		p.t.Fatal(err)
	}
	return string(data)
}

func (p *proc) tail(n int) string {
	lines := strings.Split(strings.TrimRight(p.text(), "\n"), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}

// logPaths returns the file= values (a file's path in its route) of the log
// lines with the given msg.
func (p *proc) logPaths(msg string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(p.text()))
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
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// natsNode is one `ferry nats` process of a test cluster.
type natsNode struct {
	name   string
	dir    string
	config string
	client int // client port
	http   int // monitoring port
	ns     string
	proc   *proc
}

// natsCluster is three `ferry nats` processes routed to each other.
type natsCluster struct {
	t     *testing.T
	nodes []*natsNode
	dial  nsDialer // how the test reaches the nodes
	addr  string   // the address other hosts reach the client ports at
}

// startCluster starts a 3-node cluster, each node with its own config and
// state dir, on loopback ports (inside network namespace ns when set, with
// clients listening on every address of the namespace), and waits until
// JetStream answers.
func startCluster(t *testing.T, ns string) *natsCluster {
	t.Helper()
	c := &natsCluster{t: t, dial: nsDialer{ns: ns}, addr: "127.0.0.1"}
	ports := freePorts(t, 9)
	routes := make([]string, 3)
	for i := range routes {
		routes[i] = fmt.Sprintf("nats://127.0.0.1:%d", ports[3+i])
	}
	clientHost := "127.0.0.1"
	if ns != "" {
		clientHost = "0.0.0.0"
	}
	root := t.TempDir()
	for i := range 3 {
		n := &natsNode{name: fmt.Sprintf("n%d", i+1), client: ports[i], http: ports[6+i], ns: ns}
		n.dir = filepath.Join(root, n.name)
		n.config = filepath.Join(n.dir, "ferry.yaml")
		var others []string
		for j, r := range routes {
			if j != i {
				others = append(others, fmt.Sprintf("%q", r))
			}
		}
		writeFile(t, n.config, fmt.Sprintf(`host: %s
state_dir: %s
metrics: {listen: ""}
nats:
  server:
    name: %s
    listen: "%s:%d"
    http: "127.0.0.1:%d"
    cluster: {name: ferrytest, listen: "127.0.0.1:%d", routes: [%s]}
`, n.name, filepath.Join(n.dir, "state"), n.name, clientHost, n.client, n.http, ports[3+i], strings.Join(others, ", ")))
		c.nodes = append(c.nodes, n)
	}
	for _, n := range c.nodes {
		n.start(t)
	}
	t.Cleanup(func() {
		if t.Failed() {
			c.logState()
		}
	})
	c.waitReady(60 * time.Second)
	return c
}

// logState logs the streams and consumers as their leaders see them, for
// the diagnosis of a failed test.
func (c *natsCluster) logState() {
	nc, js, err := c.tryConnect()
	if err != nil {
		c.t.Logf("couldn't connect to log the cluster's state: %v", err)
		return
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var b strings.Builder
	b.WriteString("cluster state:")
	for _, name := range []string{bus.StreamClosed, bus.StreamJobs, bus.StreamDead, "KV_" + bus.LedgerBucket} {
		info := streamInfo(js, name)
		if info == nil {
			fmt.Fprintf(&b, "\n  stream %s: no answer", name)
			continue
		}
		fmt.Fprintf(&b, "\n  stream %s leader %s messages %d", name, info.Cluster.Leader, info.State.Msgs)
		s, err := js.Stream(ctx, name)
		if err != nil {
			continue
		}
		for ci := range s.ListConsumers(ctx).Info() {
			fmt.Fprintf(&b, "\n    consumer %s leader %s pending %d ack_pending %d waiting %d redelivered %d",
				ci.Name, ci.Cluster.Leader, ci.NumPending, ci.NumAckPending, ci.NumWaiting, ci.NumRedelivered)
		}
	}
	c.t.Log(b.String())
}

func (n *natsNode) start(t *testing.T) {
	t.Helper()
	n.proc = startProc(t, n.dir, "nats-"+n.name, n.ns, nil, "--config", n.config, "nats")
}

// URL is nats.url for a daemon: every node's client listener.
func (c *natsCluster) URL() string {
	return c.urlAt(c.addr)
}

// urlAt is URL with the nodes reached at addr.
func (c *natsCluster) urlAt(addr string) string {
	var urls []string
	for _, n := range c.nodes {
		urls = append(urls, fmt.Sprintf("nats://%s:%d", addr, n.client))
	}
	return strings.Join(urls, ",")
}

// waitReady waits until every running node reports healthy and a
// JetStream client can read its account, i.e. the meta leader is elected.
func (c *natsCluster) waitReady(timeout time.Duration) {
	c.t.Helper()
	waitFor(c.t, timeout, "the nats cluster to be ready", func() bool {
		for _, n := range c.nodes {
			if n.proc.running() && !c.healthy(n) {
				return false
			}
		}
		nc, js, err := c.tryConnect()
		if err != nil {
			return false
		}
		defer nc.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err = js.AccountInfo(ctx)
		return err == nil
	})
}

// healthy asks a node's /healthz, which answers ok only once its JetStream
// is current with the cluster.
func (c *natsCluster) healthy(n *natsNode) bool {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DialContext: c.dial.DialContext}}
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", n.http))
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var body struct{ Status string }
	return json.NewDecoder(resp.Body).Decode(&body) == nil && resp.StatusCode == http.StatusOK && body.Status == "ok"
}

// clientAddrs asks every running node's /connz which addresses each
// client name connects from.
func (c *natsCluster) clientAddrs() map[string][]string {
	c.t.Helper()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: c.dial.DialContext}}
	out := map[string][]string{}
	for _, n := range c.nodes {
		if !n.proc.running() {
			continue
		}
		resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/connz?limit=1000", n.http))
		if err != nil {
			c.t.Fatal(err)
		}
		var connz struct {
			Connections []struct{ IP, Name string }
		}
		err = json.NewDecoder(resp.Body).Decode(&connz)
		resp.Body.Close()
		if err != nil {
			c.t.Fatal(err)
		}
		for _, conn := range connz.Connections {
			out[conn.Name] = append(out[conn.Name], conn.IP)
		}
	}
	return out
}

func (c *natsCluster) tryConnect() (*nats.Conn, jetstream.JetStream, error) {
	opts := []nats.Option{nats.Name("ferry-test"), nats.Timeout(2 * time.Second), nats.MaxReconnects(-1),
		nats.ReconnectWait(200 * time.Millisecond)}
	if c.dial.ns != "" {
		opts = append(opts, nats.SetCustomDialer(c.dial))
	}
	nc, err := nats.Connect(c.urlAt("127.0.0.1"), opts...)
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, js, nil
}

// client connects the test itself to the cluster.
func (c *natsCluster) client() jetstream.JetStream {
	c.t.Helper()
	nc, js, err := c.tryConnect()
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(nc.Close)
	return js
}

// leader returns the node leading the stream's raft group.
func (c *natsCluster) leader(js jetstream.JetStream, stream string) *natsNode {
	c.t.Helper()
	var leader *natsNode
	waitFor(c.t, 30*time.Second, "a leader of "+stream, func() bool {
		info := streamInfo(js, stream)
		if info == nil || info.Cluster == nil {
			return false
		}
		for _, n := range c.nodes {
			if n.name == info.Cluster.Leader {
				leader = n
				return true
			}
		}
		return false
	})
	return leader
}

func streamInfo(js jetstream.JetStream, name string) *jetstream.StreamInfo {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, name)
	if err != nil {
		return nil
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil
	}
	return info
}

// healed reports whether every ferry stream and the ledger have a leader
// and two current, online replicas: all three nodes serve them again.
func (c *natsCluster) healed(js jetstream.JetStream) bool {
	for _, name := range []string{bus.StreamClosed, bus.StreamJobs, bus.StreamDead, "KV_" + bus.LedgerBucket} {
		info := streamInfo(js, name)
		if info == nil || info.Cluster == nil || info.Cluster.Leader == "" || len(info.Cluster.Replicas) != 2 {
			return false
		}
		for _, r := range info.Cluster.Replicas {
			if !r.Current || r.Offline {
				return false
			}
		}
	}
	return true
}

// ledgerRecords reads every file record, by path. Right after a node is
// lost the ledger's stream may take a while to elect its leader and answer,
// as deadCount allows for: each read gets 10 s, all of them a minute.
func ledgerRecords(t *testing.T, js jetstream.JetStream) map[string]ledger.Record {
	t.Helper()
	var out map[string]ledger.Record
	var err error
	waitFor(t, time.Minute, "the ledger to answer", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if out, err = readLedger(ctx, js); err != nil {
			t.Logf("couldn't read the ledger yet: %v", err)
			return false
		}
		return true
	})
	return out
}

func readLedger(ctx context.Context, js jetstream.JetStream) (map[string]ledger.Record, error) {
	kv, err := js.KeyValue(ctx, bus.LedgerBucket)
	if err != nil {
		return nil, err
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]ledger.Record{}
	for key := range keys.Keys() {
		if !strings.HasPrefix(key, "file.") {
			continue
		}
		e, err := kv.Get(ctx, key)
		if err != nil {
			return nil, err
		}
		var r ledger.Record
		if err := json.Unmarshal(e.Value(), &r); err != nil {
			return nil, fmt.Errorf("ledger record %s: %w", key, err)
		}
		out[r.Path] = r
	}
	if err := ctx.Err(); err != nil {
		return nil, err // the listing ended early
	}
	return out, nil
}

// deadCount is the number of dead letters stored. After a restart the
// stream may take a while to elect its leader and answer.
func deadCount(t *testing.T, js jetstream.JetStream) uint64 {
	t.Helper()
	var info *jetstream.StreamInfo
	waitFor(t, 30*time.Second, "the dead-letter stream to answer", func() bool {
		info = streamInfo(js, bus.StreamDead)
		return info != nil
	})
	return info.State.Msgs
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
	procs  map[string]*proc
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
	h := &roleHost{t: t, name: name, dir: filepath.Join(root, name), ns: opt.ns, env: opt.env, procs: map[string]*proc{}}
	h.src = filepath.Join(h.dir, "heritrix")
	h.config = filepath.Join(h.dir, "ferry.yaml")
	if err := os.MkdirAll(h.src, 0o755); err != nil {
		t.Fatal(err)
	}
	auth := ""
	if opt.auth != "" {
		auth = ", " + opt.auth
	}
	writeFile(t, h.config, fmt.Sprintf(`host: %s
state_dir: %s
metrics: {listen: ""}
rescan_interval: 1s
retry: {max_attempts: 3, ack_wait: 5s, backoff: [200ms]}
nats: {url: %q, replicas: %d%s}
%s
routes:
%s
`, name, filepath.Join(h.dir, "state"), opt.url, cmp.Or(opt.replicas, 3), auth, opt.extra, strings.ReplaceAll(opt.route, "$SRC", h.src)))
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
	path := filepath.Join(h.src, rel)
	writeFile(h.t, path+".open", string(data))
	if err := os.Rename(path+".open", path); err != nil {
		h.t.Fatal(err)
	}
}

// stopAll sends SIGTERM to every role process and requires a clean exit.
func (h *roleHost) stopAll() {
	h.t.Helper()
	var wg sync.WaitGroup
	errs := map[string]error{}
	var mu sync.Mutex
	for role, p := range h.procs {
		wg.Go(func() {
			err := p.stop(40 * time.Second)
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

// nsDialer dials from inside network namespace ns (as named by ip netns),
// or plainly when ns is "": the test itself stays in its own namespace.
// The socket is created on a thread switched into ns and back; a thread
// that cannot switch back is left locked, so it dies with its goroutine.
type nsDialer struct{ ns string }

// Dial is nats.CustomDialer's.
func (d nsDialer) Dial(network, addr string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, addr)
}

// DialContext is http.Transport's.
func (d nsDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var dialer net.Dialer
	if d.ns == "" {
		return dialer.DialContext(ctx, network, addr)
	}
	runtime.LockOSThread()
	self, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	defer self.Close()
	target, err := os.Open("/run/netns/" + d.ns)
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("couldn't enter netns %s: %w", d.ns, err)
	}
	conn, err := dialer.DialContext(ctx, network, addr)
	if unix.Setns(int(self.Fd()), unix.CLONE_NEWNET) == nil {
		runtime.UnlockOSThread()
	}
	return conn, err
}

// netnsLab is a set of network namespaces made for one test, removed when
// it ends. Only addresses inside these namespaces are ever assigned.
type netnsLab struct {
	t      *testing.T
	prefix string
}

// newNetnsLab skips the test unless it runs as root with ip(8).
func newNetnsLab(t *testing.T) *netnsLab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespace test: needs root to create namespaces (ip netns add)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("network namespace test: the ip command (iproute2) is missing")
	}
	return &netnsLab{t: t, prefix: fmt.Sprintf("fy%d", os.Getpid()%100000)}
}

func (l *netnsLab) ip(args ...string) {
	l.t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		l.t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// add creates namespace prefix-name with its loopback up and returns its name.
func (l *netnsLab) add(name string) string {
	l.t.Helper()
	ns := l.prefix + "-" + name
	_ = exec.Command("ip", "netns", "del", ns).Run() // a leftover of a killed run
	l.ip("netns", "add", ns)
	l.t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
			l.t.Errorf("couldn't remove netns %s: %v\n%s", ns, err, out)
		}
	})
	l.ip("-n", ns, "link", "set", "lo", "up")
	return ns
}

// link joins namespaces a and b with a veth pair on subnet 10.213.k.0/24:
// a gets .1 and b .2. It returns a's address, as b reaches it.
func (l *netnsLab) link(a, b string, k int) string {
	l.t.Helper()
	va, vb := fmt.Sprintf("%sa%d", l.prefix, k), fmt.Sprintf("%sb%d", l.prefix, k)
	l.ip("link", "add", va, "netns", a, "type", "veth", "peer", "name", vb, "netns", b)
	l.ip("-n", a, "addr", "add", fmt.Sprintf("10.213.%d.1/24", k), "dev", va)
	l.ip("-n", b, "addr", "add", fmt.Sprintf("10.213.%d.2/24", k), "dev", vb)
	l.ip("-n", a, "link", "set", va, "up")
	l.ip("-n", b, "link", "set", vb, "up")
	return fmt.Sprintf("10.213.%d.1", k)
}

// cpuThrottle confines process pid to permille thousandths of one CPU
// through a cpu cgroup (v1 or v2) made for the test, so that a job lasts
// long enough to be interrupted. It skips the test where none can be made.
func cpuThrottle(t *testing.T, pid, permille int) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to slow a process down with a cpu cgroup")
	}
	// A long period lets the quota go below cgroup v1's 1ms minimum.
	const period = 1_000_000 // µs
	quota := period / 1000 * permille
	name := fmt.Sprintf("ferrytest-%d-%d", os.Getpid(), pid)
	var dir, parent string
	var limits map[string]string
	if _, err := os.Stat("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"); err == nil {
		parent = "/sys/fs/cgroup/cpu"
		limits = map[string]string{"cpu.cfs_period_us": fmt.Sprint(period), "cpu.cfs_quota_us": fmt.Sprint(quota)}
	} else if ctl, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers"); err == nil && slices.Contains(strings.Fields(string(ctl)), "cpu") {
		parent = "/sys/fs/cgroup"
		if err := os.WriteFile(filepath.Join(parent, "cgroup.subtree_control"), []byte("+cpu"), 0o644); err != nil {
			t.Skipf("couldn't enable the cpu controller: %v", err)
		}
		limits = map[string]string{"cpu.max": fmt.Sprintf("%d %d", quota, period)}
	} else {
		t.Skip("no cpu cgroup controller to slow a process down")
	}
	dir = filepath.Join(parent, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("couldn't make a cpu cgroup: %v", err)
	}
	t.Cleanup(func() {
		// Processes still inside go back to the parent; then the group can go.
		if data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs")); err == nil {
			for p := range strings.FieldsSeq(string(data)) {
				_ = os.WriteFile(filepath.Join(parent, "cgroup.procs"), []byte(p), 0o644)
			}
		}
		if err := os.Remove(dir); err != nil {
			t.Errorf("couldn't remove cgroup %s: %v", dir, err)
		}
	})
	for file, value := range limits {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(value), 0o644); err != nil {
			t.Skipf("couldn't limit the cpu cgroup (%s): %v", file, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(fmt.Sprint(pid)), 0o644); err != nil {
		t.Fatalf("couldn't move process %d into the cpu cgroup: %v", pid, err)
	}
}

// waitLogged waits until the process has logged msg.
func (p *proc) waitLogged(timeout time.Duration, msg string) {
	p.t.Helper()
	waitFor(p.t, timeout, p.name+" to log "+msg, func() bool {
		if !p.running() {
			p.t.Fatalf("%s exited: %v", p.name, p.err)
		}
		return strings.Contains(p.text(), msg)
	})
}

// fileNames lists the files under root, relative to it, without reading them.
func fileNames(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return out
}
