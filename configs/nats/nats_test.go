// Package nats holds example NATS deployments for ferry: `ferry nats`
// configs of a 3-node cluster, and a nats-server config with per-host
// authorization. This test keeps them loadable and consistent; the
// authorization itself is exercised against real ferry daemons by
// cmd/ferry's TestIntegrationAuthorizationExample.
package nats

import (
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/ferrydata/ferry/internal/config"
)

func TestFerryNATSClusterConfigs(t *testing.T) {
	listens := map[string]string{} // node → its cluster listener
	routes := map[string][]string{}
	for i := 1; i <= 3; i++ {
		file := fmt.Sprintf("ferry-nats-n%d.yaml", i)
		cfg, err := config.LoadServer(file)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		s := cfg.NATS.Server
		if s.Name != fmt.Sprintf("n%d", i) || s.Cluster.Name != "ferry" || s.Listen == "" || s.HTTP == "" {
			t.Errorf("%s: server %+v, want name n%d, cluster ferry, client and http listeners", file, s, i)
		}
		listens[s.Name] = s.Cluster.Listen
		for _, r := range s.Cluster.Routes {
			u, err := url.Parse(r)
			if err != nil {
				t.Fatalf("%s: route %q: %v", file, r, err)
			}
			routes[s.Name] = append(routes[s.Name], u.Host)
		}
	}
	// Each node routes to the other two, and to nothing else.
	for name := range listens {
		var want []string
		for other, l := range listens {
			if other != name {
				want = append(want, l)
			}
		}
		slices.Sort(want)
		got := slices.Sorted(slices.Values(routes[name]))
		if !slices.Equal(got, want) {
			t.Errorf("%s routes to %v, want the other nodes %v", name, got, want)
		}
	}
}

func TestNATSServerConfig(t *testing.T) {
	for _, env := range []string{"FERRY_ADMIN_PASSWORD", "FERRY_DISPATCHER_PASSWORD", "FERRY_CRAWLER01_PASSWORD", "FERRY_CRAWLER02_PASSWORD"} {
		t.Setenv(env, "secret-"+env)
	}
	t.Setenv("FERRY_NATS_NAME", "n2")
	t.Setenv("FERRY_NATS_ADDR", "10.0.0.6")
	opts, err := server.ProcessConfigFile("nats-server.conf")
	if err != nil {
		t.Fatal(err)
	}
	if opts.ServerName != "n2" || opts.Host != "10.0.0.6" || opts.Cluster.Host != "10.0.0.6" || opts.Cluster.Name != "ferry" {
		t.Errorf("server %q on %s, cluster %q on %s: the environment did not name the node", opts.ServerName,
			opts.Host, opts.Cluster.Name, opts.Cluster.Host)
	}
	if !opts.JetStream || len(opts.Routes) != 3 {
		t.Errorf("jetstream %v with %d routes, want jetstream and 3 routes", opts.JetStream, len(opts.Routes))
	}
	users := map[string]*server.User{}
	for _, u := range opts.Users {
		users[u.Username] = u
	}
	for _, name := range []string{"admin", "dispatcher", "crawler01", "crawler02"} {
		u := users[name]
		if u == nil || u.Password != "secret-FERRY_"+map[string]string{"admin": "ADMIN", "dispatcher": "DISPATCHER",
			"crawler01": "CRAWLER01", "crawler02": "CRAWLER02"}[name]+"_PASSWORD" {
			t.Errorf("user %s missing or without its password from the environment", name)
		}
	}
	// A crawler may publish its own subjects only.
	if c := users["crawler01"]; c != nil && c.Permissions != nil {
		allow := c.Permissions.Publish.Allow
		for _, subj := range []string{"ferry.closed.*.crawler01", "ferry.verify.*.crawler01", "ferry.dead.*.*.crawler01"} {
			if !slices.Contains(allow, subj) {
				t.Errorf("crawler01 may not publish %s", subj)
			}
		}
		for _, subj := range allow {
			if slices.Contains([]string{">", "ferry.>", "ferry.copy.>", "ferry.closed.>"}, subj) {
				t.Errorf("crawler01 may publish %s: other hosts' subjects too", subj)
			}
		}
	}
}
