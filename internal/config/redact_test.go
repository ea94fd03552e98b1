package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestYAMLRoundTrip(t *testing.T) {
	c := mustParse(t, minimal+`
    delete_source: false
    min_age: 1h30m
    batch: {bytes: 500MB}
  - name: remote
    source: "s3:bucket/in"
    destination: /archive
    host: any
    exclude: []
nats: {url: "nats://a:4222", user: u, password: p, server: {cluster: {name: c, listen: ":6222", routes: ["nats://b:6222"]}}}
`)
	out, err := c.YAML()
	if err != nil {
		t.Fatal(err)
	}
	back := mustParse(t, string(out))
	if !reflect.DeepEqual(back, c) {
		t.Errorf("round trip changed the config:\n%s\ngot  %+v\nwant %+v", out, back, c)
	}
	for _, w := range []string{"min_age: 1h30m", "bytes: 500MB", "delete_source: false", "max_wait: 10s"} {
		if !strings.Contains(string(out), w) {
			t.Errorf("YAML lacks %q:\n%s", w, out)
		}
	}
}

func TestRedacted(t *testing.T) {
	c := mustParse(t, minimal+`nats:
  url: "nats://u:hunter2@a:4222,nats://b:4222"
  user: u
  password: hunter2
  server: {cluster: {name: c, listen: ":6222", routes: ["nats://r:hunter2@b:6222"]}}
`)
	before, err := c.YAML()
	if err != nil {
		t.Fatal(err)
	}
	r := c.Redacted()
	out, err := r.YAML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "hunter2") {
		t.Errorf("redacted YAML shows the secret:\n%s", out)
	}
	if r.NATS.Password != "REDACTED" || r.NATS.User != "u" {
		t.Errorf("user/password = %q/%q", r.NATS.User, r.NATS.Password)
	}
	if want := "nats://u:REDACTED@a:4222,nats://b:4222"; r.NATS.URL != want {
		t.Errorf("url = %q, want %q", r.NATS.URL, want)
	}
	// Changing the copy must not reach the original.
	r.Routes[0].Include[0] = "changed"
	*r.Routes[0].DeleteSource = false
	r.Retry.Backoff[0] = 0
	after, err := c.YAML()
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Errorf("Redacted changed the original:\n%s\nwas\n%s", after, before)
	}
	if empty := Default().Redacted(); empty.NATS.Password != "" {
		t.Errorf("empty password redacted to %q", empty.NATS.Password)
	}
}
