package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/ferrydata/ferry/internal/testkit"
)

// natsNode is one `ferry nats` process of a test cluster.
type natsNode struct {
	name   string
	dir    string
	config string
	client int // client port
	http   int // monitoring port
	ns     string
	proc   *testkit.Proc
}

// natsCluster is three `ferry nats` processes routed to each other.
type natsCluster struct {
	t     *testing.T
	nodes []*natsNode
	dial  testkit.NetnsDialer // how the test reaches the nodes
	addr  string              // the address other hosts reach the client ports at
}

// startCluster starts a 3-node cluster, each node with its own config and
// state dir, on loopback ports (inside network namespace ns when set, with
// clients listening on every address of the namespace), and waits until
// JetStream answers.
func startCluster(t *testing.T, ns string) *natsCluster {
	t.Helper()
	c := &natsCluster{t: t, dial: testkit.NetnsDialer{Netns: ns}, addr: "127.0.0.1"}
	ports := testkit.FreePorts(t, 9)
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
		writeFile(t, n.config, testkit.Template(t, "testdata/natsnode.yaml", map[string]any{"Name": n.name,
			"State": filepath.Join(n.dir, "state"), "ClientHost": clientHost, "Client": n.client, "HTTP": n.http,
			"Cluster": ports[3+i], "Routes": strings.Join(others, ", ")}))
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
	testkit.WaitFor(c.t, timeout, "the nats cluster to be ready", func() bool {
		for _, n := range c.nodes {
			if n.proc.Running() && !c.healthy(n) {
				return false
			}
		}
		in, err := c.connect()
		if err != nil {
			return false
		}
		defer in.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err = in.JS.AccountInfo(ctx)
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
		if !n.proc.Running() {
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

// connect connects the test to every node, from its own namespace through
// the cluster's, reconnecting as nodes come and go.
func (c *natsCluster) connect() (*testkit.Inspector, error) {
	opts := []nats.Option{nats.Name("ferry-test"), nats.MaxReconnects(-1), nats.ReconnectWait(200 * time.Millisecond)}
	if c.dial.Netns != "" {
		opts = append(opts, nats.SetCustomDialer(c.dial))
	}
	return testkit.Connect(c.urlAt("127.0.0.1"), opts...)
}

// client connects the test itself to the cluster.
func (c *natsCluster) client() *testkit.Inspector {
	c.t.Helper()
	in, err := c.connect()
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(in.Close)
	return in
}
