package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/secrets/secretstest"
)

// credEnv is the environment of a ferry process under test: this one's
// without any rclone, AWS or home setting, plus the fake AWS's and extra.
func credEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "RCLONE_") || strings.HasPrefix(k, "AWS_") || k == "HOME" || k == "XDG_CONFIG_HOME" {
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, secretstest.Env()...), extra...)
}

// runIn runs the ferry binary in dir with env and returns its exit code and
// everything it wrote.
func runIn(t *testing.T, dir string, env []string, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(ferryBin, args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, &out, &out
	err := cmd.Run()
	var exited *exec.ExitError
	if err != nil && !errors.As(err, &exited) {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), out.String()
}

// unwritableHome returns a home directory in which rclone cannot create
// ~/.config/rclone. Root ignores permissions, so for root it lies below a
// regular file, which no one can create a directory in.
func unwritableHome(t *testing.T, root string) string {
	t.Helper()
	if os.Geteuid() == 0 {
		file := filepath.Join(root, "not-a-dir")
		if err := os.WriteFile(file, nil, 0o444); err != nil {
			t.Fatal(err)
		}
		return filepath.Join(file, "home")
	}
	home := filepath.Join(root, "ro-home")
	if err := os.Mkdir(home, 0o555); err != nil {
		t.Fatal(err)
	}
	return home
}

// storeDef is an rclone remote "store" that says where it was defined, with
// a value that must never be printed.
func storeDef(tag string) string {
	return fmt.Sprintf("[store]\ntype = alias\nremote = /srv/%s\nsecret_marker = hunter2-%s\n", tag, tag)
}

func TestIntegrationRcloneConfigOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry as a process")
	}
	sm := secretstest.Start(t)
	sm.Put("ferry/store", storeDef("secret"))
	tests := []struct {
		name string
		// which sources define "store"
		secret, configured, local, usual bool
		readOnlyHome                     bool
		env                              []string
		wantSource                       string // in the "rclone remote" log line of store
		wantFile                         string // in the "rclone config file" log line
		wantErr                          string
	}{
		{name: "a secret wins over every file", secret: true, configured: true, local: true, usual: true,
			wantSource: `source="secret ferry/store"`, wantFile: "source=rclone.config"},
		{name: "rclone.config wins over the working directory", configured: true, local: true, usual: true,
			wantSource: "source=rclone.config", wantFile: "source=rclone.config"},
		{name: "./.rclone.conf wins over rclone's usual path", local: true, usual: true,
			wantSource: "source=./.rclone.conf", wantFile: "source=./.rclone.conf"},
		{name: "rclone's usual path last", usual: true,
			wantSource: `source="rclone's usual path"`, wantFile: ".config/rclone/rclone.conf"},
		{name: "read-only home with ./.rclone.conf", local: true, readOnlyHome: true,
			wantSource: "source=./.rclone.conf", wantFile: "source=./.rclone.conf"},
		{name: "read-only home and no file", readOnlyHome: true,
			wantErr: `routes[0].destination: remote "store" is defined by no config source`},
		{name: "environment only", env: []string{"RCLONE_CONFIG_STORE_TYPE=alias", "RCLONE_CONFIG_STORE_REMOTE=/srv/env"},
			wantSource: "source=\"environment"},
		{name: "a secret's remote beside a file's", secret: true, local: true,
			wantSource: `source="secret ferry/store"`, wantFile: "source=./.rclone.conf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			work := filepath.Join(root, "work")
			home := filepath.Join(root, "home")
			for _, d := range []string{work, filepath.Join(home, ".config", "rclone")} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if tt.readOnlyHome {
				home = unwritableHome(t, root)
			}
			write := func(path, body string) {
				t.Helper()
				if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			var top string
			if tt.secret {
				top += fmt.Sprintf("  secrets: [ferry/store]\n  endpoint: %s\n", sm.URL)
			}
			if tt.configured {
				write(filepath.Join(root, "configured.conf"), storeDef("configured"))
				top += fmt.Sprintf("  config: %s\n", filepath.Join(root, "configured.conf"))
			}
			if tt.local {
				write(filepath.Join(work, ".rclone.conf"), storeDef("local")+"[other]\ntype = local\n")
			}
			if tt.usual && !tt.readOnlyHome {
				write(filepath.Join(home, ".config", "rclone", "rclone.conf"), storeDef("usual"))
			}
			cfg := filepath.Join(root, "ferry.yaml")
			yaml := fmt.Sprintf("host: crawler01\nstate_dir: %s\nrclone:\n%s  refresh: 1h\nroutes:\n  - {name: warcs, source: %s, destination: \"store:warcs\"}\n",
				filepath.Join(root, "state"), top, filepath.Join(root, "heritrix"))
			write(cfg, yaml)
			env := append([]string{"HOME=" + home}, tt.env...)
			args := []string{"--config", cfg, "check-config"}
			if tt.readOnlyHome {
				// Without --config on the command line rclone's start-up
				// tries to create ~/.config/rclone (it reads os.Args for a
				// --config of its own).
				env, args = append(env, "FERRY_CONFIG="+cfg), []string{"check-config"}
			}
			code, out := runIn(t, work, credEnv(env...), args...)
			if strings.Contains(out, "hunter2") {
				t.Fatalf("output leaks a remote's value:\n%s", out)
			}
			if tt.wantErr != "" {
				if code != 2 || !strings.Contains(out, tt.wantErr) {
					t.Fatalf("exit %d, want 2 and %q:\n%s", code, tt.wantErr, out)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			var storeLine, fileLine string
			for _, line := range strings.Split(out, "\n") {
				if strings.Contains(line, `msg="rclone remote"`) && strings.Contains(line, "remote=store ") {
					storeLine = line
				}
				if strings.Contains(line, `msg="rclone config file"`) {
					fileLine = line
				}
			}
			if !strings.Contains(storeLine, tt.wantSource) {
				t.Fatalf("store's log line %q lacks %q:\n%s", storeLine, tt.wantSource, out)
			}
			if !strings.Contains(fileLine, tt.wantFile) {
				t.Fatalf("config file's log line %q lacks %q:\n%s", fileLine, tt.wantFile, out)
			}
		})
	}
}

// A configured secret that cannot be read stops the start, even when a
// config file defines the same remote: never a silent fallback.
func TestIntegrationUnreadableSecretStopsTheStart(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry as a process")
	}
	sm := secretstest.Start(t)
	sm.Put("ferry/store", storeDef("secret"))
	sm.Put("ferry/denied", storeDef("denied"))
	sm.Deny("ferry/denied")
	sm.Put("ferry/again", storeDef("again"))
	tests := []struct {
		name    string
		ids     string
		want    []string
		command string
	}{
		{"access denied", "[ferry/store, ferry/denied]", []string{`couldn't read secret "ferry/denied": access denied`, "AccessDeniedException"}, "check-config"},
		{"not found", "[ferry/nope]", []string{`couldn't read secret "ferry/nope": no such secret`, "ResourceNotFoundException"}, "check-config"},
		{"a remote twice", "[ferry/store, ferry/again]", []string{`remote "store" is defined by secret "ferry/store" and by secret "ferry/again"`}, "check-config"},
		{"the daemon too", "[ferry/nope]", []string{`couldn't read secret "ferry/nope"`}, "run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			if err := os.WriteFile(filepath.Join(root, ".rclone.conf"), []byte(storeDef("local")), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := filepath.Join(root, "ferry.yaml")
			yaml := fmt.Sprintf("host: crawler01\nstate_dir: %s\nrclone: {secrets: %s, endpoint: %q}\nroutes:\n  - {name: warcs, source: %s, destination: \"store:warcs\"}\n",
				filepath.Join(root, "state"), tt.ids, sm.URL, filepath.Join(root, "heritrix"))
			if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out := runIn(t, root, credEnv("HOME="+root), "--config", cfg, tt.command)
			if code != 2 {
				t.Fatalf("exit %d, want 2:\n%s", code, out)
			}
			for _, w := range tt.want {
				mustContain(t, out, w)
			}
			if strings.Contains(out, "hunter2") {
				t.Fatalf("output leaks a secret:\n%s", out)
			}
		})
	}
}
