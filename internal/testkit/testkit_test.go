package testkit

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestFreePortsAreDistinct(t *testing.T) {
	ports := FreePorts(t, 20)
	seen := map[int]bool{}
	for _, p := range ports {
		if p <= 0 || seen[p] {
			t.Fatalf("ports %v: want 20 distinct ones", ports)
		}
		seen[p] = true
	}
}

func TestLastLines(t *testing.T) {
	for _, c := range []struct {
		name, in, want string
		n              int
	}{
		{"fewer than n", "a\nb\n", "a\nb", 5},
		{"the last n", "a\nb\nc\nd\n", "c\nd", 2},
		{"no final newline", "a\nb\nc", "b\nc", 2},
		{"empty", "", "", 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := LastLines(c.in, c.n); got != c.want {
				t.Errorf("LastLines(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
			}
		})
	}
}

func TestHeritrixWriteLeavesOnlyTheFinalName(t *testing.T) {
	root := t.TempDir()
	HeritrixWrite(t, filepath.Join(root, "job/warcs/a.warc.gz"), []byte("warc"))
	if got := FileNames(t, root); !slices.Equal(got, []string{"job/warcs/a.warc.gz"}) {
		t.Fatalf("files %v, want the final name only", got)
	}
	if data, err := os.ReadFile(filepath.Join(root, "job/warcs/a.warc.gz")); err != nil || string(data) != "warc" {
		t.Fatalf("read %q, %v", data, err)
	}
}

func TestProcLogsStopsAndReportsItsExit(t *testing.T) {
	dir := t.TempDir()
	sleeper := Start(t, Command{Bin: "/bin/sh", Args: []string{"-c", "echo started; exec sleep 60"}, Dir: dir, Name: "sleeper"})
	sleeper.WaitLogged(10*time.Second, "started")
	if err := sleeper.Stop(10 * time.Second); err == nil || sleeper.ExitCode() != -1 || sleeper.Running() {
		t.Fatalf("Stop = %v, exit code %d; want killed by SIGTERM (-1)", err, sleeper.ExitCode())
	}
	quitter := Start(t, Command{Bin: "/bin/sh", Args: []string{"-c", "echo $GREETING; exit 3"}, Dir: dir, Name: "quitter",
		Env: []string{"GREETING=hello"}})
	if err := quitter.Wait(); err == nil || quitter.ExitCode() != 3 || quitter.Text() != "hello\n" {
		t.Fatalf("Wait = %v, exit code %d, log %q; want 3 and hello", err, quitter.ExitCode(), quitter.Text())
	}
	code, stdout, stderr := Run(t, Command{Bin: "/bin/sh", Args: []string{"-c", "echo out; echo err >&2; exit 4"}, Dir: dir}, 10*time.Second)
	if code != 4 || stdout != "out\n" || stderr != "err\n" {
		t.Fatalf("Run = %d, %q, %q; want 4, out, err", code, stdout, stderr)
	}
}
