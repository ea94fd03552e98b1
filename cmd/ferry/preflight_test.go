package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/secrets/secretstest"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

func TestIntegrationPreflight(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry as a process")
	}
	srv := transfertest.StartS3Server(t)
	sm := secretstest.Start(t)
	secret := func(keySecret string) string {
		data, _ := json.Marshal(map[string]map[string]string{"store": {"type": "s3", "provider": "Rclone",
			"endpoint": srv.Endpoint, "access_key_id": srv.KeyID, "secret_access_key": keySecret}})
		return string(data)
	}
	sm.Put("ferry/good", secret(srv.Secret))
	sm.Put("ferry/badkey", secret("not-the-key-hunter2"))
	tests := []struct {
		name, secret, dst string
		wantCode          int
		results           map[string]string // check: result
		details           []string
	}{
		{"passing", "ferry/good", "store:bucket/warcs", 0, map[string]string{
			"read rclone config": "ok", "remotes defined": "ok", "open source": "ok", "list source": "ok",
			"list destination": "ok", "open destination": "ok", "probe write/read/delete": "ok",
			"different storage": "ok", "all routes: different storage": "ok"}, []string{"hash equal, deleted"}},
		{"bad key", "ferry/badkey", "store:bucket/warcs", 2, map[string]string{
			"list source": "ok", "list destination": "FAIL", "probe write/read/delete": "skipped",
			"all routes: different storage": "skipped"}, []string{"SignatureDoesNotMatch"}},
		{"missing bucket", "ferry/good", "store:nobucket/warcs", 2, map[string]string{
			"list destination": "FAIL", "probe write/read/delete": "skipped"}, []string{"a missing bucket?"}},
		{"unreadable secret", "ferry/nope", "store:bucket/warcs", 2, map[string]string{"read rclone config": "FAIL"},
			[]string{`couldn't read secret "ferry/nope": no such secret`}},
		{"undefined remote", "ferry/good", "elsewhere:bucket", 2, map[string]string{
			"remotes defined": "FAIL", "open source": "skipped"}, []string{`remote "elsewhere" is defined by no config source`}},
		{"destination is the source", "ferry/good", "SOURCE", 2, map[string]string{
			"probe write/read/delete": "ok", "different storage": "FAIL"}, []string{"is its own source"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			src := filepath.Join(root, "heritrix")
			if err := os.MkdirAll(src, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(src, "WEB-1.warc.gz"), []byte("warc"), 0o644); err != nil {
				t.Fatal(err)
			}
			dst := tt.dst
			if dst == "SOURCE" {
				dst = src
			}
			cfg := filepath.Join(root, "ferry.yaml")
			yaml := fmt.Sprintf("host: crawler01\nstate_dir: %s\nrclone: {secrets: [%s], endpoint: %q}\nroutes:\n  - {name: warcs, source: %s, destination: %q}\n",
				filepath.Join(root, "state"), tt.secret, sm.URL, src, dst)
			if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out := runIn(t, root, credEnv("HOME="+root), "--config", cfg, "preflight")
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d:\n%s", code, tt.wantCode, out)
			}
			for what, want := range tt.results {
				if got := checkResult(out, what); got != want {
					t.Errorf("%s: %q, want %q", what, got, want)
				}
			}
			for _, w := range tt.details {
				mustContain(t, out, w)
			}
			if t.Failed() {
				t.Fatalf("output:\n%s", out)
			}
			if strings.Contains(out, srv.Secret) || strings.Contains(out, "hunter2") {
				t.Fatalf("output leaks a key:\n%s", out)
			}
			if _, err := os.Stat(filepath.Join(srv.Dir, "nobucket")); err == nil {
				t.Fatal("preflight created the missing bucket")
			}
			left, _ := os.ReadDir(srv.Path("warcs/.ferry-preflight"))
			if len(left) > 0 {
				t.Fatalf("probe left behind: %v", left)
			}
		})
	}
}

// checkResult finds the result (ok, FAIL, skipped) of a check in the table.
func checkResult(out, what string) string {
	m := regexp.MustCompile(`(?m)^\S+\s+` + regexp.QuoteMeta(what) + `\s+(ok|FAIL|skipped)\b`).FindStringSubmatch(out)
	if m == nil {
		return ""
	}
	return m[1]
}
