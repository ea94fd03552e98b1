package faults

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/testkit"
)

// overlapRoute is one route of an overlapping config.
type overlapRoute struct{ name, source, destination string }

// overlapCase is a config whose routes copy onto their own sources, or onto
// another route's source: deleting a "verified" source there can delete the
// only copy, or a copy another route already vouched for.
type overlapCase struct {
	name string
	// setup lays out the directories (under dir) and returns the routes and
	// the rclone config file's body ("" for none).
	setup func(t *testing.T, dir string) ([]overlapRoute, string)
}

func overlapCases() []overlapCase {
	return []overlapCase{
		{"destination is the source through a symlink", func(t *testing.T, dir string) ([]overlapRoute, string) {
			must(t, os.Symlink(filepath.Join(dir, "x"), filepath.Join(dir, "xlink")))
			return []overlapRoute{{"selfie", filepath.Join(dir, "x"), filepath.Join(dir, "xlink")}}, ""
		}},
		{"destination lies inside the source", func(t *testing.T, dir string) ([]overlapRoute, string) {
			return []overlapRoute{{"nested", filepath.Join(dir, "x"), filepath.Join(dir, "x", "archive")}}, ""
		}},
		{"destination is another route's source", func(t *testing.T, dir string) ([]overlapRoute, string) {
			mkdirAll(t, filepath.Join(dir, "y"))
			return []overlapRoute{
				{"upstream", filepath.Join(dir, "x"), filepath.Join(dir, "y")},
				{"downstream", filepath.Join(dir, "y"), filepath.Join(dir, "z")},
			}, ""
		}},
		{"destination is an rclone alias whose root is the source", func(t *testing.T, dir string) ([]overlapRoute, string) {
			return []overlapRoute{{"aliased", filepath.Join(dir, "x"), "samedisk:"}},
				fmt.Sprintf("[samedisk]\ntype = alias\nremote = %s\n", filepath.Join(dir, "x"))
		}},
		{"destination is an rclone hasher wrapping the source", func(t *testing.T, dir string) ([]overlapRoute, string) {
			return []overlapRoute{{"wrapped", filepath.Join(dir, "x"), "wrapper:"}},
				fmt.Sprintf("[wrapper]\ntype = hasher\nremote = %s\nhashes = md5\n", filepath.Join(dir, "x"))
		}},
		{"destination is a local rclone remote at the source", func(t *testing.T, dir string) ([]overlapRoute, string) {
			return []overlapRoute{{"remoted", filepath.Join(dir, "x"), "disk:" + filepath.Join(dir, "x")}},
				"[disk]\ntype = local\n"
		}},
		{"destination is the source through a bind mount", func(t *testing.T, dir string) ([]overlapRoute, string) {
			bind := filepath.Join(dir, "xbind")
			mkdirAll(t, bind)
			if out, err := exec.Command("mount", "--bind", filepath.Join(dir, "x"), bind).CombinedOutput(); err != nil {
				t.Skipf("couldn't bind-mount (%v: %s)", err, out)
			}
			t.Cleanup(func() { _ = exec.Command("umount", "-l", bind).Run() })
			return []overlapRoute{{"bound", filepath.Join(dir, "x"), bind}}, ""
		}},
	}
}

// TestBadInputOverlappingRoutes gives ferry configs whose destination is,
// resolves to or lies inside a route's source (issue 7, item 1). ferry must
// refuse them: check-config, `ferry run --once` and the `ferry run` daemon
// exit non-zero naming every route involved, and no source file is deleted,
// changed or copied. Each command is bounded: one of these configs once
// hung `ferry run --once` past SIGTERM (item 11).
func TestBadInputOverlappingRoutes(t *testing.T) {
	skipShort(t)
	for _, c := range overlapCases() {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			mkdirAll(t, filepath.Join(dir, "x", "job"))
			routes, rcloneConf := c.setup(t, dir)
			files := map[string]string{} // source path -> sha256
			for i, r := range routes {
				data := randBytes(20<<10 + i)
				p := filepath.Join(r.source, "job", fmt.Sprintf("WEB-%d.warc.gz", i))
				mkdirAll(t, filepath.Dir(p))
				must(t, os.WriteFile(p, data, 0o644))
				files[p] = sha(data)
			}
			before := treeState(t, dir)
			cfg := overlapConfig(t, dir, routes, rcloneConf)

			code, out, errOut := runFerryAs(t, dir, nil, time.Minute, "--config", cfg, "check-config")
			if code == 0 {
				t.Errorf("check-config accepted the overlapping config (exit 0)")
			} else {
				wantNames(t, "check-config", errOut+out, routes)
			}
			for _, args := range [][]string{{"run", "--once", "--timeout", "20s"}, {"run"}} {
				code, log, stopped := runBounded(t, dir, append([]string{"--config", cfg}, args...)...)
				what := "ferry " + strings.Join(args, " ")
				switch {
				case stopped != "":
					t.Errorf("%s still running after 30s (%s), want a refusal at start:\n%s", what, stopped, testkit.LastLines(log, 8))
				case code == 0:
					t.Errorf("%s exited 0, want a refusal at start:\n%s", what, testkit.LastLines(log, 8))
				default:
					wantNames(t, what, log, routes)
				}
				if strings.Contains(log, "moved: ") && !strings.Contains(log, "moved: 0") {
					t.Errorf("%s reported moving files: %s", what, summaryLine(log))
				}
			}
			for p, want := range files {
				if got, err := hashFile(p); err != nil || got != want {
					t.Errorf("source %s is now %q (%v), want it untouched (%s)", p, got, err, want)
				}
			}
			if after := treeState(t, dir); after != before {
				t.Errorf("the tree changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

// overlapConfig writes a config for routes over a state dir of its own.
func overlapConfig(t *testing.T, dir string, routes []overlapRoute, rcloneConf string) string {
	t.Helper()
	rc := "/dev/null"
	if rcloneConf != "" {
		rc = filepath.Join(dir, "rclone.conf")
		writeConfig(t, rc, rcloneConf)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "host: %s\nstate_dir: %s\nmetrics: {listen: \"\"}\nrclone: {config: %s}\n", hostName, filepath.Join(dir, "state"), rc)
	b.WriteString("nats: {server: {listen: \"127.0.0.1:0\"}}\nretry: {max_attempts: 2, ack_wait: 10s, backoff: [300ms]}\nroutes:\n")
	for _, r := range routes {
		fmt.Fprintf(&b, "  - name: %s\n    source: %s\n    destination: %q\n    min_age: 0s\n    batch: {files: 5, bytes: 8MiB, max_wait: 300ms}\n",
			r.name, r.source, r.destination)
	}
	cfg := filepath.Join(dir, "ferry.yaml")
	writeConfig(t, cfg, b.String())
	return cfg
}

// runBounded runs ferry for at most 30 s: SIGTERM then, SIGKILL 10 s later.
// It returns the exit code, stdout and stderr together, and "" if it ended
// on its own, else how it was ended.
func runBounded(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	p := startProc(t, dir, fmt.Sprintf("bounded-%d", time.Now().UnixNano()), nil, args...)
	stopped := ""
	select {
	case <-p.Done():
	case <-time.After(30 * time.Second):
		stopped = "ended by SIGTERM"
		_ = p.Signal(syscall.SIGTERM)
		select {
		case <-p.Done():
		case <-time.After(10 * time.Second):
			stopped = "SIGTERM ignored for 10s, SIGKILLed"
			p.Kill()
		}
	}
	data, _ := os.ReadFile(p.Log)
	return p.ExitCode(), string(data), stopped
}

// wantNames checks that a refusal names every route involved.
func wantNames(t *testing.T, what, out string, routes []overlapRoute) {
	t.Helper()
	for _, r := range routes {
		if !strings.Contains(out, r.name) {
			t.Errorf("%s refused, but does not name route %q:\n%s", what, r.name, testkit.LastLines(out, 8))
		}
	}
}

func summaryLine(log string) string {
	for _, l := range strings.Split(log, "\n") {
		if strings.HasPrefix(l, "files: ") {
			return l
		}
	}
	return ""
}

// treeState lists every regular file and symlink under dir but the state
// dir and ferry's own logs, with its sha256 or target.
func treeState(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case rel == "state" || strings.HasSuffix(rel, ".log") || rel == "ferry.yaml" || rel == "rclone.conf":
			if d.IsDir() {
				return filepath.SkipDir
			}
		case d.Type()&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			fmt.Fprintf(&b, "%s -> %s\n", rel, target)
		case d.Type().IsRegular():
			sum, _ := hashFile(p)
			fmt.Fprintf(&b, "%s %s\n", rel, sum)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
