package transfer

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/secrets"
	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/config"
)

func TestSetSecrets(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // goconfig.LoadFromData would write a copy here
	remotes.Lock()
	savedLog, savedFile, savedSecret := remotes.log, remotes.file, remotes.secret
	remotes.log, remotes.secret = slog.New(slog.DiscardHandler), nil
	remotes.file = secrets.Remotes{"ferrycfgtest2": {"type": "local", "from": "file"}}
	remotes.Unlock()
	t.Cleanup(func() {
		remotes.Lock()
		remotes.log, remotes.file, remotes.secret = savedLog, savedFile, savedSecret
		remotes.Unlock()
	})
	first := &secrets.Set{}
	first.Merge("a", secrets.Remotes{"ferrycfgtest": {"type": "s3", "secret_access_key": "s3cr3t=with=equals", "old": "x"}})
	first.Merge("b", secrets.Remotes{"ferrycfgtest2": {"type": "s3", "secret_access_key": "k2"}})
	changed, err := setSecrets(first)
	if err != nil || !slices.Equal(changed, []string{"ferrycfgtest", "ferrycfgtest2"}) {
		t.Fatalf("setSecrets = %v, %v", changed, err)
	}
	wantValues(t, [][3]string{
		{"ferrycfgtest", "type", "s3"},
		{"ferrycfgtest", "secret_access_key", "s3cr3t=with=equals"},
		{"ferrycfgtest2", "secret_access_key", "k2"},
	})
	// Rotation: one key changes, one option goes, ferrycfgtest2 leaves
	// the secrets and falls back to the file's definition.
	second := &secrets.Set{}
	second.Merge("a", secrets.Remotes{"ferrycfgtest": {"type": "s3", "secret_access_key": "rotated"}})
	if changed, err = SetSecrets(second); err != nil || !slices.Equal(changed, []string{"ferrycfgtest", "ferrycfgtest2"}) {
		t.Fatalf("SetSecrets = %v, %v", changed, err)
	}
	wantValues(t, [][3]string{
		{"ferrycfgtest", "secret_access_key", "rotated"},
		{"ferrycfgtest2", "type", "local"},
		{"ferrycfgtest2", "from", "file"},
	})
	// RCLONE_CONFIG_<REMOTE>_<OPTION> still wins over a secret's option,
	// as over a file's, and defines remotes of its own.
	t.Setenv("RCLONE_CONFIG_FERRYCFGTEST_SECRET_ACCESS_KEY", "from-env")
	t.Setenv("RCLONE_CONFIG_FERRYCFGENV_TYPE", "local")
	if got, _ := fs.ConfigMap("", nil, "ferrycfgtest", nil).Get("secret_access_key"); got != "from-env" {
		t.Errorf("secret_access_key with RCLONE_CONFIG_FERRYCFGTEST_SECRET_ACCESS_KEY set = %q", got)
	}
	if !slices.Contains(config.GetRemoteNames(), "ferrycfgenv") {
		t.Error("a remote defined by RCLONE_CONFIG_FERRYCFGENV_TYPE is not known")
	}
	if _, ok := config.FileGetValue("ferrycfgtest", "old"); ok {
		t.Error("an option the rotated secret dropped is still set")
	}
	if _, ok := config.FileGetValue("ferrycfgtest2", "secret_access_key"); ok {
		t.Error("a remote the secrets dropped kept the secret's key")
	}
	if changed, err = SetSecrets(second); err != nil || len(changed) != 0 {
		t.Fatalf("SetSecrets of the same set = %v, %v; want nothing changed", changed, err)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
		t.Errorf("config data reached the disk: %v", entries)
	}
	bad := &secrets.Set{}
	bad.Merge("c", secrets.Remotes{"bad name!": {"type": "s3"}})
	if _, err := SetSecrets(bad); err == nil || !strings.Contains(err.Error(), `secret "c"`) {
		t.Fatalf("SetSecrets with a bad remote name = %v", err)
	}
}

func wantValues(t *testing.T, kvs [][3]string) {
	t.Helper()
	for _, kv := range kvs {
		if got, ok := config.FileGetValue(kv[0], kv[1]); !ok || got != kv[2] {
			t.Errorf("[%s] %s = %q, %v; want %q", kv[0], kv[1], got, ok, kv[2])
		}
	}
}

func TestConfigFileOrder(t *testing.T) {
	tests := []struct {
		name, configured string
		local            bool
		path, source     string
	}{
		{"configured wins", "/etc/ferry/rclone.conf", true, "/etc/ferry/rclone.conf", sourceConfigured},
		{"none", os.DevNull, true, "", ""},
		{"working directory", "", true, localConfig, sourceLocal},
		{"rclone's usual path", "", false, "/home/u/.config/rclone/rclone.conf", sourceUsual},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exists := func(p string) bool { return tt.local && p == localConfig }
			path, source := configFile(tt.configured, exists, "/home/u/.config/rclone/rclone.conf")
			if path != tt.path || source != tt.source {
				t.Fatalf("configFile = %q, %q; want %q, %q", path, source, tt.path, tt.source)
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
			_, err := checkConfigFile(tt.path, tt.mustExist)
			if (err == nil) != tt.ok {
				t.Fatalf("checkConfigFile = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error leaks the file's content: %v", err)
			}
		})
	}
}
