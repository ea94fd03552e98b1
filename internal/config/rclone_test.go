package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRcloneKeys(t *testing.T) {
	c := mustParse(t, minimal+`
rclone:
  secrets: [ferry/s3-keys, "arn:aws:secretsmanager:eu-west-2:123456789012:secret:ferry/sftp-AbCdEf"]
  region: eu-west-2
  endpoint: https://vpce-0abc.secretsmanager.eu-west-2.vpce.amazonaws.com
  refresh: 15m
`)
	r := c.Rclone
	if !slices.Equal(r.Secrets, []string{"ferry/s3-keys", "arn:aws:secretsmanager:eu-west-2:123456789012:secret:ferry/sftp-AbCdEf"}) ||
		r.Region != "eu-west-2" || !strings.HasPrefix(r.Endpoint, "https://vpce-") || r.Refresh != Duration(15*time.Minute) {
		t.Fatalf("rclone = %+v", r)
	}
	if d := c.Deprecations(); len(d) != 0 {
		t.Fatalf("Deprecations = %v", d)
	}
	if got := mustParse(t, minimal).Rclone.Refresh; got != DefaultRcloneRefresh {
		t.Fatalf("default refresh = %v", got)
	}
}

// A config written for an older ferry still works, and says what to write.
func TestRcloneSecretIDMigrates(t *testing.T) {
	c := mustParse(t, minimal+"rclone:\n  secret_id: ferry/rclone\n  secret_region: eu-west-1\n")
	if !slices.Equal(c.Rclone.Secrets, []string{"ferry/rclone"}) || c.Rclone.Region != "eu-west-1" {
		t.Fatalf("rclone = %+v", c.Rclone)
	}
	d := strings.Join(c.Deprecations(), "\n")
	if !strings.Contains(d, `rclone.secrets: ["ferry/rclone"]`) || !strings.Contains(d, `rclone.region: "eu-west-1"`) {
		t.Fatalf("Deprecations = %q", d)
	}
	out, err := c.YAML()
	if err != nil || strings.Contains(string(out), "secret_id") {
		t.Fatalf("resolved YAML still has secret_id: %s, %v", out, err)
	}
	// Empty old keys, as an older template writes them, are no change.
	if c := mustParse(t, minimal+"rclone:\n  secret_id: \"\"\n  secret_region: \"\"\n"); len(c.Deprecations()) != 0 || len(c.Rclone.Secrets) != 0 {
		t.Fatalf("empty secret_id: %+v, %v", c.Rclone, c.Deprecations())
	}
}

func TestRcloneValidate(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"both spellings", "rclone:\n  secret_id: a\n  secrets: [b]\n", "rclone.secret_id: is deprecated and rclone.secrets is set too"},
		{"both regions", "rclone:\n  secret_region: a\n  region: b\n", "rclone.secret_region:"},
		{"empty id", "rclone:\n  secrets: [a, \"\"]\n", "rclone.secrets[1]:"},
		{"spaces", "rclone:\n  secrets: [\" a\"]\n", "rclone.secrets[0]:"},
		{"duplicate", "rclone:\n  secrets: [a, a]\n", `rclone.secrets[1]: "a" is already rclone.secrets[0]`},
		{"refresh too short", "rclone:\n  secrets: [a]\n  refresh: 1s\n", "rclone.refresh: must be at least 5s"},
		{"endpoint not a URL", "rclone:\n  endpoint: vpce.example\n", "rclone.endpoint:"},
		{"static keys are no key", "rclone:\n  access_key_id: AK\n", `unknown key "access_key_id"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(minimal + tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse = %v, want %q", err, tt.want)
			}
		})
	}
}
