package validate_test

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/testkit"
	"github.com/ferrydata/ferry/internal/validate"
	"github.com/ferrydata/ferry/internal/validate/validatetest"
)

// spillChildEnv makes the test binary the process that is killed: it
// validates a WARC whose 2.2 MiB record stops arriving halfway, so the
// warc validator is caught with a spill file open.
const spillChildEnv = "FERRY_TEST_SPILL_CHILD"

// A process killed in the middle of a validation leaves its spill file in
// the spill directory; CleanSpillDir (run at a mover's or verifier's start)
// removes it and keeps the directory. The leftover is a real one: gowarc's,
// in a child process killed with SIGKILL.
func TestCleanSpillDirRemovesWhatAKilledValidationLeft(t *testing.T) {
	if dir := os.Getenv(spillChildEnv); dir != "" {
		validateUntilKilled(t, dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCleanSpillDirRemovesWhatAKilledValidationLeft$", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), spillChildEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := bufio.NewScanner(out)
	for lines.Scan() && lines.Text() != "stalled" {
	}
	// The child stalls once it has handed over the first half; gowarc may
	// still be writing it to the spill file.
	testkit.WaitFor(t, time.Minute, "the child's validation to spill to "+dir, func() bool {
		left, _ := os.ReadDir(dir)
		return len(left) > 0
	})
	_ = cmd.Process.Kill()
	_ = cmd.Wait()

	left, err := os.ReadDir(dir)
	if err != nil || len(left) == 0 {
		t.Fatalf("spill dir after the kill: %v, %v; want the killed validation's file", left, err)
	}
	t.Logf("left by the killed process: %s", left[0].Name())
	n, err := validate.CleanSpillDir(dir)
	if err != nil || n != len(left) {
		t.Fatalf("CleanSpillDir = %d, %v; want %d removed", n, err, len(left))
	}
	if now, err := os.ReadDir(dir); err != nil || len(now) != 0 {
		t.Errorf("spill dir after CleanSpillDir: %v, %v; want it there and empty", now, err)
	}
	if n, err := validate.CleanSpillDir(filepath.Join(dir, "missing")); n != 0 || err != nil {
		t.Errorf("CleanSpillDir of a missing dir = %d, %v; want 0, nil", n, err)
	}
}

// validateUntilKilled runs in the child: the warc validator reads half of
// a record of over 1 MiB, then its stream stalls until the parent kills it.
func validateUntilKilled(t *testing.T, dir string) {
	body := bytes.Repeat([]byte("<html>a large crawled page</html>\n"), 64<<10)
	data := validatetest.Write(t, 1, body, false).Data
	vs, err := validate.New([]string{"warc"}, dir)
	if err != nil {
		t.Fatal(err)
	}
	_ = vs[0].Validate(io.MultiReader(bytes.NewReader(data[:len(data)/2]), stalled{}))
	t.Fatal("the validation ended; it should have been killed")
}

// stalled is a stream that stops arriving: its first Read says so on
// stdout and never returns.
type stalled struct{}

func (stalled) Read([]byte) (int, error) {
	os.Stdout.WriteString("stalled\n")
	time.Sleep(time.Hour)
	return 0, io.EOF
}
