package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/testkit"
)

// crawlers is the distributed setup of the cluster tests: a 3-node NATS
// cluster with R3 streams, one dispatcher, and two crawler hosts each
// running its own watcher, mover and verifier processes.
type crawlers struct {
	t          *testing.T
	cluster    *natsCluster
	js         *testkit.Inspector
	dst        string // each host's files go to dst/<host>
	hosts      []*roleHost
	dispatcher *roleHost
	prefix     map[string]string            // a host's file name prefix
	want       map[string]map[string]string // host → rel → sha256 of what was written
}

// startCrawlers starts the cluster, the dispatcher and both hosts. With a
// lab, the cluster and the dispatcher live in one network namespace and
// each crawler host in its own, linked to the cluster's by a veth pair.
func startCrawlers(t *testing.T, lab *testkit.NetnsLab) *crawlers {
	t.Helper()
	natsNS, hostNS, hostAddr := "", []string{"", ""}, []string{"127.0.0.1", "127.0.0.1"}
	if lab != nil {
		natsNS = lab.Add("nats")
		for i := range hostNS {
			hostNS[i] = lab.Add(fmt.Sprintf("c%d", i+1))
			hostAddr[i] = lab.Link(natsNS, hostNS[i], i+1)
		}
	}
	c := &crawlers{t: t, cluster: startCluster(t, natsNS), prefix: map[string]string{}, want: map[string]map[string]string{}}
	c.js = c.cluster.client()
	root := t.TempDir()
	c.dst = filepath.Join(root, "archive")
	route := func(host string) string {
		return fmt.Sprintf(`  - name: warcs
    source: $SRC
    destination: %q
    batch: {files: 5, max_wait: 200ms}`, filepath.Join(c.dst, host))
	}
	disp := newRoleHost(t, root, "dispatch01", hostOptions{ns: natsNS, url: c.cluster.URL(), route: route("dispatch01")})
	disp.start("dispatcher")
	c.dispatcher = disp
	for i, name := range []string{"crawler01", "crawler02"} {
		h := newRoleHost(t, root, name, hostOptions{ns: hostNS[i], url: c.cluster.urlAt(hostAddr[i]), route: route(name)})
		h.start("watcher", "mover", "verifier")
		c.hosts = append(c.hosts, h)
		c.prefix[name] = fmt.Sprintf("c%02d-", i+1)
		c.want[name] = map[string]string{}
	}
	return c
}

// write has host h write its n-th WARC, Heritrix style, and returns its path.
func (c *crawlers) write(h *roleHost, n, size int) string {
	c.t.Helper()
	rel := fmt.Sprintf("job/warcs/%d/%sWEB-%05d.warc.gz", n%3, c.prefix[h.name], n)
	data := randomBytes(c.t, size)
	h.heritrixWrite(rel, data)
	c.want[h.name][rel] = sha(data)
	return rel
}

// arrived counts the files at the destination, all hosts together.
func (c *crawlers) arrived() int {
	n := 0
	for _, h := range c.hosts {
		n += len(tree(c.t, filepath.Join(c.dst, h.name)))
	}
	return n
}

// waitAllMoved waits until every file written is at its host's destination
// byte for byte, and only the files that must stay are left at the sources.
func (c *crawlers) waitAllMoved(timeout time.Duration, stay map[string][]string) {
	c.t.Helper()
	testkit.WaitFor(c.t, timeout, "every file of both hosts moved", func() bool {
		c.requireRunning()
		for _, h := range c.hosts {
			if !maps.Equal(tree(c.t, filepath.Join(c.dst, h.name)), c.want[h.name]) {
				return false
			}
			left := slices.Sorted(maps.Keys(tree(c.t, h.src)))
			if !slices.Equal(left, stay[h.name]) {
				return false
			}
		}
		return true
	})
}

// requireRunning fails the test at once if a role process has exited.
func (c *crawlers) requireRunning() {
	c.t.Helper()
	for _, h := range append([]*roleHost{c.dispatcher}, c.hosts...) {
		for role, p := range h.procs {
			if !p.Running() {
				c.t.Fatalf("%s %s exited: %v", h.name, role, p.Err())
			}
		}
	}
}

// checkLedger requires one moved record per file written, owned by the
// host that wrote it, and no dead letter. A verifier records a job's files
// once the job's last file is done, after their sources are gone, so the
// records may trail the files by a moment: it waits up to 30s for them.
func (c *crawlers) checkLedger() {
	c.t.Helper()
	var recs map[string]ledger.Record
	var wrong []string
	total := 0
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		recs, wrong, total = ledgerRecords(c.t, c.js), nil, 0
		for _, h := range c.hosts {
			for rel := range c.want[h.name] {
				total++
				r, ok := recs[rel]
				switch {
				case !ok:
					wrong = append(wrong, fmt.Sprintf("no ledger record for %s", rel))
				case r.State != ledger.Moved || r.Host != h.name:
					wrong = append(wrong, fmt.Sprintf("ledger record of %s: state %s host %s, want %s %s", rel, r.State, r.Host, ledger.Moved, h.name))
				}
			}
		}
		if len(wrong) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, w := range wrong {
		c.t.Error(w)
	}
	if len(recs) != total {
		c.t.Errorf("ledger holds %d file records, want %d", len(recs), total)
	}
	if n := deadCount(c.t, c.js); n != 0 {
		c.t.Errorf("%d dead letters", n)
	}
}

// checkOwnFilesOnly requires that each host's processes only ever named
// its own files, and that its mover and verifier logged each of them.
func (c *crawlers) checkOwnFilesOnly() {
	c.t.Helper()
	for _, h := range c.hosts {
		for _, other := range c.hosts {
			if other == h {
				continue
			}
			for role, p := range h.procs {
				text := p.Text()
				if strings.Contains(text, c.prefix[other.name]) || strings.Contains(text, other.name) {
					c.t.Errorf("%s's %s log mentions %s's files:\n%s", h.name, role, other.name, p.Tail(20))
				}
			}
		}
		own := slices.Sorted(maps.Keys(c.want[h.name]))
		for role, msg := range map[string]string{"mover": "file copied", "verifier": "file verified"} {
			got := logPaths(h.procs[role], msg)
			slices.Sort(got)
			if !slices.Equal(got, own) {
				c.t.Errorf("%s's %s logged %q for %d paths, want each of its %d files once", h.name, role, msg, len(got), len(own))
			}
		}
	}
}

// stopAll requires every role and every NATS node to exit 0 on SIGTERM.
func (c *crawlers) stopAll() {
	c.t.Helper()
	for _, h := range c.hosts {
		h.stopAll()
	}
	for _, n := range c.cluster.nodes {
		if err := n.proc.Stop(30 * time.Second); err != nil {
			c.t.Errorf("nats %s did not exit cleanly on SIGTERM: %v", n.name, err)
		}
	}
}

func TestIntegrationClusterTwoHosts(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs a NATS cluster and ferry roles as processes")
	}
	testTwoHosts(t, nil)
}

func TestIntegrationClusterTwoHostsNetns(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs a NATS cluster and ferry roles as processes")
	}
	testTwoHosts(t, testkit.NewNetnsLab(t))
}

func testTwoHosts(t *testing.T, lab *testkit.NetnsLab) {
	c := startCrawlers(t, lab)
	stay := map[string][]string{}
	for _, h := range c.hosts {
		// Files Heritrix is still writing stay where they are.
		writeFile(t, filepath.Join(h.src, "job/logs/crawl.log"), "active")
		writeFile(t, filepath.Join(h.src, "job/warcs/"+c.prefix[h.name]+"WEB-99999.warc.gz.open"), "being written")
		stay[h.name] = []string{"job/logs/crawl.log", "job/warcs/" + c.prefix[h.name] + "WEB-99999.warc.gz.open"}
	}
	for i := range 12 {
		for _, h := range c.hosts {
			c.write(h, i, 50_000+i)
		}
	}
	c.waitAllMoved(60*time.Second, stay)
	c.checkLedger()
	c.checkOwnFilesOnly()
	if lab != nil {
		// Each host reached the cluster from its own namespace's address.
		addrs := c.cluster.clientAddrs()
		for i, h := range c.hosts {
			want := fmt.Sprintf("10.213.%d.2", i+1)
			got := addrs["ferry@"+h.name]
			if len(got) != len(h.procs) || slices.ContainsFunc(got, func(ip string) bool { return ip != want }) {
				t.Errorf("%s's connections come from %v, want %d from %s", h.name, got, len(h.procs), want)
			}
		}
	}
	c.stopAll()
}

// deleteAudit watches sources: whenever one disappears, its copy must
// already be at the destination with the bytes that were written.
type deleteAudit struct {
	mu    sync.Mutex
	files map[string]auditFile // by source path
	bad   []string
	seen  int // sources seen gone
	stop  chan struct{}
	done  chan struct{}
}

type auditFile struct {
	dst, sum string
	gone     bool
}

func startDeleteAudit() *deleteAudit {
	a := &deleteAudit{files: map[string]auditFile{}, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(a.done)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-a.stop:
				a.check()
				return
			case <-tick.C:
				a.check()
			}
		}
	}()
	return a
}

// add registers a source once it exists under its final name.
func (a *deleteAudit) add(src, dst, sum string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.files[src] = auditFile{dst: dst, sum: sum}
}

func (a *deleteAudit) check() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for src, f := range a.files {
		if f.gone {
			continue
		}
		if _, err := os.Lstat(src); !errors.Is(err, fs.ErrNotExist) {
			continue
		}
		f.gone = true
		a.files[src] = f
		a.seen++
		data, err := os.ReadFile(f.dst)
		if err != nil {
			a.bad = append(a.bad, fmt.Sprintf("%s deleted with no copy: %v", src, err))
		} else if sha(data) != f.sum {
			a.bad = append(a.bad, fmt.Sprintf("%s deleted, but its copy has other bytes", src))
		}
	}
}

// finish stops the audit and returns the violations and how many deletes it saw.
func (a *deleteAudit) finish() ([]string, int) {
	close(a.stop)
	<-a.done
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.bad, a.seen
}

func TestIntegrationClusterLeaderKill(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs a NATS cluster and ferry roles as processes")
	}
	c := startCrawlers(t, nil)
	audit := startDeleteAudit()
	write := func(h *roleHost, n int) {
		rel := c.write(h, n, 200_000+n)
		audit.add(filepath.Join(h.src, rel), filepath.Join(c.dst, h.name, rel), c.want[h.name][rel])
	}
	const perHost = 30
	var killed *natsNode
	start := time.Now()
	for i := range perHost {
		for _, h := range c.hosts {
			write(h, i)
		}
		time.Sleep(40 * time.Millisecond)
		if i == perHost/3 {
			// Files are flowing: some are at the destination, more are queued.
			testkit.WaitFor(t, 30*time.Second, "the first copies", func() bool { return c.arrived() >= 4 })
			killed = c.cluster.leader(c.js, "FERRY_JOBS")
			t.Logf("SIGKILL %s, leader of FERRY_JOBS, with %d of %d files at the destination (%s in)",
				killed.name, c.arrived(), 2*(i+1), time.Since(start).Round(time.Millisecond))
			killed.proc.Kill()
		}
	}
	if c.arrived() == 2*perHost {
		t.Log("every file had arrived before the writes ended; the kill still came mid-run")
	}
	c.waitAllMoved(90*time.Second, map[string][]string{})
	t.Logf("all %d files moved %s after the first write", 2*perHost, time.Since(start).Round(time.Millisecond))
	bad, seen := audit.finish()
	for _, b := range bad {
		t.Error(b)
	}
	if seen != 2*perHost {
		t.Errorf("the audit saw %d sources deleted, want %d", seen, 2*perHost)
	}
	c.requireRunning()
	c.checkLedger()

	// The node comes back with its store: it rejoins and catches up.
	killed.start(t)
	testkit.WaitFor(t, 60*time.Second, "every stream with 3 current replicas again", func() bool {
		return c.cluster.healthy(killed) && c.cluster.healed(c.js)
	})
	// And the healed cluster carries on.
	for _, h := range c.hosts {
		write(h, perHost)
	}
	c.waitAllMoved(30*time.Second, map[string][]string{})
	c.checkLedger()
	c.stopAll()
}

func TestIntegrationRemoteSourceTwoWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs a NATS cluster and ferry roles as processes")
	}
	cluster := startCluster(t, "")
	js := cluster.client()
	root := t.TempDir()
	bucket, dst := filepath.Join(root, "bucket"), filepath.Join(root, "archive")
	// A named rclone remote defined only by environment, as a site might
	// define an S3 one; its backend here is local.
	env := []string{"RCLONE_CONFIG_BUCKETSRC_TYPE=local"}
	route := fmt.Sprintf(`  - name: bucket
    source: "bucketsrc:%s"
    host: any
    destination: %q
    include: ["*.warc.gz"]
    batch: {files: 2, max_wait: 200ms}`, bucket, dst)
	want := map[string]string{}
	for i := range 40 {
		rel := fmt.Sprintf("crawls/%d/obj-%03d.warc.gz", i%4, i)
		data := randomBytes(t, 100_000+i)
		writeFile(t, filepath.Join(bucket, rel+".open"), string(data))
		if err := os.Rename(filepath.Join(bucket, rel+".open"), filepath.Join(bucket, rel)); err != nil {
			t.Fatal(err)
		}
		want[rel] = sha(data)
	}
	var workers []*roleHost
	for _, name := range []string{"worker01", "worker02"} {
		h := newRoleHost(t, root, name, hostOptions{url: cluster.URL(), route: route, env: env,
			extra: "rclone: {config: /dev/null}\nmover: {concurrency: 1}\nverifier: {concurrency: 1}"})
		h.start("mover", "verifier")
		workers = append(workers, h)
	}
	// One watcher lists the bucket and one dispatcher batches; the workers
	// compete for the jobs on the shared consumers.
	workers[0].start("watcher", "dispatcher")

	testkit.WaitFor(t, 60*time.Second, "every object copied and verified", func() bool {
		return maps.Equal(tree(t, dst), want) && len(tree(t, bucket)) == 0
	})
	// A verifier records a job's files once its last file is done, after
	// their sources are gone: the records may trail the bucket by a moment.
	var wrong []string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		recs := ledgerRecords(t, js)
		wrong = nil
		if len(recs) != len(want) {
			wrong = append(wrong, fmt.Sprintf("ledger holds %d records, want %d", len(recs), len(want)))
		}
		for rel := range want {
			if r := recs[rel]; r.State != ledger.Moved || r.Host != "any" {
				wrong = append(wrong, fmt.Sprintf("ledger record of %s: state %q host %q, want %s any", rel, r.State, r.Host, ledger.Moved))
			}
		}
		if len(wrong) == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, w := range wrong {
		t.Error(w)
	}
	if n := deadCount(t, js); n != 0 {
		t.Errorf("%d dead letters", n)
	}
	counts := map[string]map[string]int{}
	for _, role := range []string{"mover", "verifier"} {
		msg := map[string]string{"mover": "file copied", "verifier": "file verified"}[role]
		times := map[string]int{}
		for _, h := range workers {
			paths := logPaths(h.procs[role], msg)
			if counts[h.name] == nil {
				counts[h.name] = map[string]int{}
			}
			counts[h.name][role] = len(paths)
			for _, p := range paths {
				times[p]++
			}
		}
		for rel := range want {
			if times[rel] != 1 {
				t.Errorf("%s %q logged %d times across the workers, want once", rel, msg, times[rel])
			}
		}
	}
	t.Logf("%d objects: worker01 copied %d, verified %d; worker02 copied %d, verified %d", len(want),
		counts["worker01"]["mover"], counts["worker01"]["verifier"], counts["worker02"]["mover"], counts["worker02"]["verifier"])
	for _, h := range workers {
		h.stopAll()
	}
}

func TestIntegrationClusterRestartAllNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs a NATS cluster and ferry roles as processes")
	}
	c := startCrawlers(t, nil)
	for i := range 5 {
		for _, h := range c.hosts {
			c.write(h, i, 30_000+i)
		}
	}
	c.waitAllMoved(60*time.Second, map[string][]string{})

	// Every node goes down at once: the daemons lose NATS entirely.
	var wg sync.WaitGroup
	for _, n := range c.cluster.nodes {
		wg.Go(func() {
			if err := n.proc.Stop(30 * time.Second); err != nil {
				t.Errorf("nats %s did not exit cleanly on SIGTERM: %v", n.name, err)
			}
		})
	}
	wg.Wait()
	// Crawling goes on while NATS is down.
	for i := 5; i < 10; i++ {
		for _, h := range c.hosts {
			c.write(h, i, 30_000+i)
		}
	}
	time.Sleep(2 * time.Second)
	for _, n := range c.cluster.nodes {
		n.start(t)
	}
	c.cluster.waitReady(60 * time.Second)
	// The same daemons, never restarted, move what was written meanwhile.
	c.waitAllMoved(90*time.Second, map[string][]string{})
	c.requireRunning()
	c.checkLedger()
	c.stopAll()
}

func TestIntegrationMoverSIGTERMHandsJobBack(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs a NATS cluster and ferry roles as processes")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to slow the first mover down with a cpu cgroup")
	}
	cluster := startCluster(t, "")
	js := cluster.client()
	root := t.TempDir()
	dst := filepath.Join(root, "archive")
	h := newRoleHost(t, root, "crawler01", hostOptions{url: cluster.URL(), route: fmt.Sprintf(`  - name: warcs
    source: $SRC
    destination: %q
    batch: {files: 1, max_wait: 200ms}`, dst)})
	h.start("mover", "verifier")
	slow := h.procs["mover"]
	slow.WaitLogged(60*time.Second, "ferry role running")
	// At 0.5% of a CPU, copying the file outlasts the shutdown grace period.
	testkit.CPUThrottle(t, slow.Pid(), 5)
	h.start("watcher", "dispatcher")

	rel := "job/warcs/WEB-00001.warc.gz"
	data := randomBytes(t, 64<<20)
	h.heritrixWrite(rel, data)
	// Mid-job: the upload is under way at its partial name.
	testkit.WaitFor(t, 90*time.Second, "the slow mover copying the file", func() bool {
		for _, name := range testkit.FileNames(t, dst) {
			if name == rel {
				t.Fatal("the slow mover copied the whole file before it could be interrupted")
			}
			if strings.HasSuffix(name, ".partial") {
				return true
			}
		}
		return false
	})
	fast := startProc(t, h.dir, "crawler01-mover2", "", nil, "--config", h.config, "mover")
	fast.WaitLogged(60*time.Second, "ferry role running")

	start := time.Now()
	if err := slow.Stop(60 * time.Second); err != nil {
		t.Fatalf("the mover interrupted mid-job did not exit 0 on SIGTERM: %v", err)
	}
	t.Logf("the slow mover exited 0 %s after SIGTERM", time.Since(start).Round(time.Millisecond))
	testkit.WaitFor(t, 60*time.Second, "the other mover to finish the job", func() bool {
		return maps.Equal(tree(t, dst), map[string]string{rel: sha(data)}) && len(tree(t, h.src)) == 0
	})
	// The record follows the delete by a moment.
	testkit.WaitFor(t, 30*time.Second, "the ledger to say moved", func() bool {
		return ledgerRecords(t, js)[rel].State == ledger.Moved
	})
	if got := logPaths(slow, "file copied"); len(got) != 0 {
		t.Errorf("the interrupted mover copied %v: the job finished within the grace period, not handed back", got)
	}
	if got := logPaths(fast, "file copied"); !slices.Equal(got, []string{rel}) {
		t.Errorf("the second mover copied %v, want %s", got, rel)
	}
	if n := deadCount(t, js); n != 0 {
		t.Errorf("%d dead letters", n)
	}
	h.procs["mover2"] = fast
	delete(h.procs, "mover")
	h.stopAll()
}

// authServer runs a nats-server with JetStream and configs/nats's
// authorization block, as a site would, and returns its URL.
func authServer(t *testing.T, passwords map[string]string) string {
	t.Helper()
	for user, pw := range passwords {
		t.Setenv("FERRY_"+strings.ToUpper(user)+"_PASSWORD", pw)
	}
	dir := t.TempDir()
	block, err := os.ReadFile("../../configs/nats/authorization.conf")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "authorization.conf"), string(block))
	port := testkit.FreePorts(t, 1)[0]
	conf := filepath.Join(dir, "nats.conf")
	writeFile(t, conf, fmt.Sprintf("listen: 127.0.0.1:%d\njetstream {store_dir: %q}\ninclude authorization.conf\n",
		port, filepath.Join(dir, "js")))
	opts, err := server.ProcessConfigFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	opts.NoSigs, opts.NoLog = true, true
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	return fmt.Sprintf("nats://127.0.0.1:%d", port)
}

func TestIntegrationAuthorizationExample(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry roles as processes")
	}
	pw := map[string]string{"admin": "pw-admin", "dispatcher": "pw-disp", "crawler01": "pw-c01", "crawler02": "pw-c02"}
	url := authServer(t, pw)
	root := t.TempDir()
	c := &crawlers{t: t, dst: filepath.Join(root, "archive"), prefix: map[string]string{}, want: map[string]map[string]string{}}
	opts := func(user, password string) hostOptions {
		return hostOptions{url: url, replicas: 1, auth: fmt.Sprintf("user: %s, password: %s", user, password),
			route: fmt.Sprintf(`  - name: warcs
    source: $SRC
    destination: %q
    batch: {files: 5, max_wait: 200ms}`, filepath.Join(c.dst, user))}
	}

	// Wrong credentials: a clear error, at once.
	bad := newRoleHost(t, root, "intruder", opts("crawler01", "wrong"))
	p := startProc(t, bad.dir, "intruder-watcher", "", nil, "--config", bad.config, "watcher")
	select {
	case <-p.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("a watcher with a wrong password is still running")
	}
	if p.Err() == nil || !strings.Contains(p.Text(), "Authorization Violation") {
		t.Errorf("a wrong password: exit %v, log:\n%s", p.Err(), p.Text())
	}

	// The dispatcher sets up the streams; the crawlers may only read them.
	c.dispatcher = newRoleHost(t, root, "dispatcher", opts("dispatcher", pw["dispatcher"]))
	c.dispatcher.start("dispatcher")
	c.dispatcher.procs["dispatcher"].WaitLogged(60*time.Second, "ferry role running")
	for i, name := range []string{"crawler01", "crawler02"} {
		h := newRoleHost(t, root, name, opts(name, pw[name]))
		h.start("watcher", "mover", "verifier")
		c.hosts = append(c.hosts, h)
		c.prefix[name] = fmt.Sprintf("c%02d-", i+1)
		c.want[name] = map[string]string{}
	}
	for i := range 8 {
		for _, h := range c.hosts {
			c.write(h, i, 20_000+i)
		}
	}
	c.waitAllMoved(60*time.Second, map[string][]string{})
	c.js = authClient(t, url, "admin", pw["admin"])
	c.checkLedger()
	c.checkOwnFilesOnly()
	for _, h := range append([]*roleHost{c.dispatcher}, c.hosts...) {
		for role, p := range h.procs {
			if strings.Contains(p.Text(), "Permissions Violation") {
				t.Errorf("%s %s was refused something it needs:\n%s", h.name, role, p.Tail(20))
			}
		}
	}

	// What crawler01's user may not do.
	js := authClient(t, url, "crawler01", pw["crawler01"])
	refused := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("crawler01 may %s", what)
		}
	}
	ctx := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		t.Cleanup(cancel)
		return ctx
	}
	_, err := js.JS.Publish(ctx(), "ferry.closed.warcs.crawler02", []byte("{}"))
	refused("announce crawler02's files", err)
	_, err = js.JS.Publish(ctx(), "ferry.copy.warcs.crawler02", []byte("{}"))
	refused("publish copy jobs", err)
	_, err = js.JS.CreateOrUpdateConsumer(ctx(), "FERRY_JOBS", jetstream.ConsumerConfig{Durable: "copy-crawler02",
		FilterSubject: "ferry.copy.*.crawler02", AckPolicy: jetstream.AckExplicitPolicy})
	refused("consume crawler02's jobs", err)
	_, err = js.JS.CreateOrUpdateConsumer(ctx(), "FERRY_JOBS", jetstream.ConsumerConfig{Durable: "copy-crawler01",
		FilterSubject: "ferry.copy.>", AckPolicy: jetstream.AckExplicitPolicy})
	refused("widen its consumer to every host's jobs", err)
	refused("delete a stream", js.JS.DeleteStream(ctx(), "FERRY_JOBS"))

	for _, h := range c.hosts {
		h.stopAll()
	}
	c.dispatcher.stopAll()
}

// authClient connects the test to url as user.
func authClient(t *testing.T, url, user, password string) *testkit.Inspector {
	t.Helper()
	in, err := testkit.Connect(url, nats.UserInfo(user, password), nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.Close)
	return in
}
