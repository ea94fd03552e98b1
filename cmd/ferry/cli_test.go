package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

func TestCheckConfig(t *testing.T) {
	transfertest.Init(t) // never the developer's own rclone.conf
	// check-config resolves remotes through the rclone config (to refuse a
	// destination that is a source): the example's "store" is S3.
	t.Setenv("RCLONE_CONFIG_STORE_TYPE", "s3")
	t.Setenv("RCLONE_CONFIG_WRAP_TYPE", "alias")
	t.Setenv("RCLONE_CONFIG_WRAP_REMOTE", "inner:x")
	dir := t.TempDir()
	write := func(name, body string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("good.yaml", `host: crawler01
nats: {url: "nats://127.0.0.1:4222", user: ferry, password: hunter2}
routes:
  - {name: warcs, source: /heritrix/output, destination: "store:warcs"}
`)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		stdout   []string // substrings
		stderr   []string
		never    string // must appear in no output
	}{
		{"valid config is printed resolved and redacted", []string{"--config", good, "check-config"}, 0,
			[]string{"name: warcs", "crawl.log.cp*", "max_wait: 10s", "REDACTED"}, nil, "hunter2"},
		{"--config may follow the command", []string{"check-config", "--config", good}, 0,
			[]string{"name: warcs"}, nil, "hunter2"},
		{"unknown key names the key", []string{"--config", write("typo.yaml", "routes:\n  - {name: w, source: /s, destination: d, hsah: md5}\n"), "check-config"}, 2,
			nil, []string{"hsah"}, ""},
		{"invalid value names the key", []string{"--config", write("bad.yaml", "routes:\n  - {name: w, source: /s, destination: d, batch: {files: 0}}\n"), "check-config"}, 2,
			nil, []string{"routes[0].batch.files"}, ""},
		{"bad glob names the pattern", []string{"--config", write("glob.yaml", "routes:\n  - {name: w, source: /s, destination: d, include: ['{{[']}\n"), "check-config"}, 2,
			nil, []string{"routes[0].include[0]"}, ""},
		{"bad bwlimit names the key", []string{"--config", write("bw.yaml", "routes:\n  - {name: w, source: /s, destination: d, bwlimit: '25:00,1M'}\n"), "check-config"}, 2,
			nil, []string{"routes[0].bwlimit", "couldn't parse bwlimit"}, ""},
		{"remote missing from the rclone config", []string{"--config", write("noremote.yaml", "routes:\n  - {name: w, source: /s, destination: \"nosuch:d\"}\n"), "check-config"}, 2,
			nil, []string{`routes[0].destination: remote "nosuch" is defined by no config source (rclone.secrets, the rclone config file, RCLONE_CONFIG_NOSUCH_TYPE)`}, ""},
		{"every undefined remote is named, wrapped ones too", []string{"--config", write("noremotes.yaml",
			"routes:\n  - {name: w, source: \"gone:in\", host: any, destination: \"wrap:d\"}\n"), "check-config"}, 2,
			nil, []string{`routes[0].source: remote "gone" is defined by no config source`,
				`routes[0].destination: remote "inner" (wrapped by remote "wrap") is defined by no config source`}, ""},
		{"missing file", []string{"--config", filepath.Join(dir, "nope.yaml"), "check-config"}, 2,
			nil, []string{"nope.yaml"}, ""},
		{"unknown command", []string{"frobnicate"}, 2, nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"ferry"}, tt.args...), &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, stdout.String(), stderr.String())
			}
			for _, s := range tt.stdout {
				mustContain(t, stdout.String(), s)
			}
			for _, s := range tt.stderr {
				mustContain(t, stderr.String(), s)
			}
			if tt.never != "" && strings.Contains(stdout.String()+stderr.String(), tt.never) {
				t.Fatalf("output leaked %q", tt.never)
			}
		})
	}
}
