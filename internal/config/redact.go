package config

import (
	"net/url"
	"slices"
	"strings"
)

// redacted is the placeholder that replaces secrets.
const redacted = "REDACTED"

// Redacted returns a deep copy of c that is safe to log or print: a non-empty
// nats.password, and passwords inside nats.url and cluster route URLs, are
// replaced by "REDACTED". c itself is not changed.
func (c *Config) Redacted() *Config {
	r := c.clone()
	if r.NATS.Password != "" {
		r.NATS.Password = redacted
	}
	if r.NATS.URL != "" {
		urls := strings.Split(r.NATS.URL, ",")
		for i, u := range urls {
			urls[i] = redactURL(u)
		}
		r.NATS.URL = strings.Join(urls, ",")
	}
	for i, u := range r.NATS.Server.Cluster.Routes {
		r.NATS.Server.Cluster.Routes[i] = redactURL(u)
	}
	return r
}

// redactURL hides the password of a URL's user info, keeping everything else
// as written.
func redactURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); !ok {
		return raw
	}
	u.User = url.UserPassword(u.User.Username(), redacted)
	return u.String()
}

// clone returns a deep copy of c: no slice or pointer is shared.
func (c *Config) clone() *Config {
	d := *c
	d.NATS.Server.Cluster.Routes = slices.Clone(c.NATS.Server.Cluster.Routes)
	d.Retry.Backoff = slices.Clone(c.Retry.Backoff)
	d.Rclone.Secrets = slices.Clone(c.Rclone.Secrets)
	d.deprecated = slices.Clone(c.deprecated)
	d.Routes = slices.Clone(c.Routes)
	for i := range d.Routes {
		r := &d.Routes[i]
		r.Include = slices.Clone(r.Include)
		r.Exclude = slices.Clone(r.Exclude)
		if r.DeleteSource != nil {
			v := *r.DeleteSource
			r.DeleteSource = &v
		}
	}
	return &d
}
