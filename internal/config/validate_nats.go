package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

func (n *NATS) validate(p *problems) {
	if n.URL != "" {
		for i, u := range strings.Split(n.URL, ",") {
			if strings.TrimSpace(u) == "" {
				p.addf("nats.url", "entry %d of the list is empty", i)
				continue
			}
			checkURL(p, "nats.url", u, "nats", "tls", "ws", "wss")
		}
	}
	if n.Replicas < 1 || n.Replicas > MaxReplicas {
		p.addf("nats.replicas", "must be between 1 and %d, got %d", MaxReplicas, n.Replicas)
	}
	var methods []string
	for _, m := range []struct{ key, value string }{
		{"creds", n.Creds}, {"user", n.User}, {"nkey", n.NKey},
	} {
		if m.value != "" {
			methods = append(methods, "nats."+m.key)
		}
	}
	if len(methods) > 1 {
		p.addf("nats", "set only one way to authenticate, not %s", strings.Join(methods, " and "))
	}
	if n.Password != "" && n.User == "" {
		p.addf("nats.password", "requires nats.user")
	}
	if n.User != "" && n.Password == "" {
		p.addf("nats.user", "requires nats.password")
	}
	if n.TLS.Cert != "" && n.TLS.Key == "" {
		p.addf("nats.tls.key", "required when nats.tls.cert is set")
	}
	if n.TLS.Key != "" && n.TLS.Cert == "" {
		p.addf("nats.tls.cert", "required when nats.tls.key is set")
	}
	n.Server.validate(p)
}

func (s *NATSServer) validate(p *problems) {
	if s.Listen != "" {
		checkHostPort(p, "nats.server.listen", s.Listen)
	}
	if s.HTTP != "" {
		checkHostPort(p, "nats.server.http", s.HTTP)
	}
	c := s.Cluster
	if c.Listen != "" {
		checkHostPort(p, "nats.server.cluster.listen", c.Listen)
		if c.Name == "" {
			p.addf("nats.server.cluster.name", "required when nats.server.cluster.listen is set")
		}
	}
	if len(c.Routes) > 0 && c.Listen == "" {
		p.addf("nats.server.cluster.routes", "require nats.server.cluster.listen")
	}
	for i, u := range c.Routes {
		checkURL(p, fmt.Sprintf("nats.server.cluster.routes[%d]", i), u, "nats", "nats-route")
	}
}

// checkURL requires an absolute URL with one of the schemes and a host.
func checkURL(p *problems, key, raw string, schemes ...string) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || !slices.Contains(schemes, u.Scheme) || u.Host == "" {
		p.addf(key, "%q is not a %s:// URL with a host", redactURL(raw), strings.Join(schemes, ":// or "))
	}
}
