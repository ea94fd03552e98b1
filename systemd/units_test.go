package systemd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// units as systemd-analyze is given them: the template by an instance.
var units = []string{"ferry.service", "ferry@watcher.service", "ferry-nats.service"}

const maxExposure = 2.5

// installed copies the units to a temp dir with ExecStart's binary swapped
// for one that exists here: verify refuses a missing executable, and that
// the binary is installed is the role's business, not the unit's.
func installed(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze not installed (Debian package systemd)")
	}
	stand, err := exec.LookPath("true")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files, err := filepath.Glob("*.service")
	if err != nil || len(files) != 3 {
		t.Fatalf("unit files: %v %v", files, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		data = bytes.ReplaceAll(data, []byte("/usr/local/bin/ferry"), []byte(stand))
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// systemd-analyze verify exits 0 on unknown keys and bad values, which it
// only prints: any output is a failure.
func TestUnitsVerify(t *testing.T) {
	dir := installed(t)
	for _, u := range units {
		t.Run(u, func(t *testing.T) {
			cmd := exec.Command("systemd-analyze", "verify", "--man=no", filepath.Join(dir, u))
			out, err := cmd.CombinedOutput()
			if err != nil || len(bytes.TrimSpace(out)) > 0 {
				t.Errorf("systemd-analyze verify %s: %v\n%s", u, err, out)
			}
		})
	}
}

var overall = regexp.MustCompile(`Overall exposure level for \S+: (\d+\.\d+)`)

func TestUnitsExposure(t *testing.T) {
	dir := installed(t)
	for _, u := range units {
		t.Run(u, func(t *testing.T) {
			out, err := exec.Command("systemd-analyze", "security", "--offline=true", "--no-pager",
				filepath.Join(dir, u)).CombinedOutput()
			m := overall.FindSubmatch(out)
			if m == nil {
				t.Fatalf("systemd-analyze security %s: no overall level (%v):\n%s", u, err, out)
			}
			level, err := strconv.ParseFloat(string(m[1]), 64)
			if err != nil {
				t.Fatal(err)
			}
			if level > maxExposure {
				t.Errorf("%s: exposure %.1f, want at most %.1f:\n%s", u, level, maxExposure, failing(out))
			}
		})
	}
}

// failing keeps the lines of settings that cost exposure.
func failing(out []byte) string {
	var keep []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "✗") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// Type=notify needs the process itself to speak: the units must not leave
// notifications to a helper (NotifyAccess=all) or skip the watchdog.
func TestUnitsNotify(t *testing.T) {
	files, _ := filepath.Glob("*.service")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"\nType=notify\n", "\nNotifyAccess=main\n", "\nWatchdogSec="} {
			if !bytes.Contains(data, []byte(want)) {
				t.Errorf("%s lacks %q", f, strings.TrimSpace(want))
			}
		}
	}
}

// systemctl reload sends SIGHUP, on which ferry reads rclone.secrets again;
// ferry nats has nothing to reload, and SIGHUP would kill it.
func TestUnitsReload(t *testing.T) {
	const reload = "\nExecReload=/bin/kill -HUP $MAINPID\n"
	for f, want := range map[string]bool{"ferry.service": true, "ferry@.service": true, "ferry-nats.service": false} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := bytes.Contains(data, []byte(reload)); got != want {
			t.Errorf("%s: has %q = %v, want %v", f, strings.TrimSpace(reload), got, want)
		}
	}
}
