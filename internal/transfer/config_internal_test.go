package transfer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/rclone/rclone/fs/config"
)

func TestLoadConfigData(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // goconfig.LoadFromData would write a copy here
	data := `
# from AWS Secrets Manager
[ferrycfgtest]
type = s3
provider = Rclone
secret_access_key = s3cr3t=with=equals
endpoint = http://127.0.0.1:9000

[ferrycfgtest2]
type = local
`
	if err := loadConfigData(data); err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][3]string{
		{"ferrycfgtest", "type", "s3"},
		{"ferrycfgtest", "secret_access_key", "s3cr3t=with=equals"},
		{"ferrycfgtest", "endpoint", "http://127.0.0.1:9000"},
		{"ferrycfgtest2", "type", "local"},
	} {
		if got, ok := config.FileGetValue(kv[0], kv[1]); !ok || got != kv[2] {
			t.Errorf("[%s] %s = %q, %v; want %q", kv[0], kv[1], got, ok, kv[2])
		}
	}
	if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
		t.Errorf("config data reached the disk: %v", entries)
	}
}

func TestLoadConfigDataRejects(t *testing.T) {
	tests := []struct{ name, data string }{
		{"empty section name", "[]\nsecret_access_key = hunter2\n"},
		{"not key = value", "[x]\nhunter2\n"},
		{"encrypted", "RCLONE_ENCRYPT_V0:\nhunter2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := loadConfigData(tt.data)
			if err == nil {
				t.Fatal("loadConfigData accepted it")
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestIsRemote(t *testing.T) {
	tests := []struct {
		spec   string
		remote bool
		err    error
	}{
		{"/srv/heritrix/jobs", false, nil},
		{"jobs/output", false, nil},
		{"./a:b", false, nil},
		{"/a:b/c", false, nil},
		{"dir/with:colon", false, nil},
		{"s3:bucket/path", true, nil},
		{"hdfs:", true, nil},
		{":local:/srv/jobs", true, nil},
		{":s3,provider=Rclone:bucket", true, nil},
		{"", false, fault.ErrInvalid},
		{"bad name!:x", false, fault.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			remote, err := isRemote(tt.spec)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("isRemote(%q) err = %v, want %v", tt.spec, err, tt.err)
			}
			if remote != tt.remote {
				t.Fatalf("isRemote(%q) = %v, want %v", tt.spec, remote, tt.remote)
			}
		})
	}
}

func TestCheckConfigFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.conf")
	bad := filepath.Join(dir, "bad.conf")
	os.WriteFile(good, []byte("[s3]\ntype = s3\n"), 0o600)
	os.WriteFile(bad, []byte("[s3]\nhunter2\n"), 0o600)
	tests := []struct {
		name      string
		path      string
		mustExist bool
		ok        bool
	}{
		{"good", good, true, true},
		{"malformed", bad, false, false},
		{"missing but required", filepath.Join(dir, "nope"), true, false},
		{"missing, rclone's usual path", filepath.Join(dir, "nope"), false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkConfigFile(tt.path, tt.mustExist)
			if (err == nil) != tt.ok {
				t.Fatalf("checkConfigFile = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error leaks the file's content: %v", err)
			}
		})
	}
}
