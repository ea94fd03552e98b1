package transfer_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
)

const crashRootEnv = "FERRY_TEST_QUARANTINE_CRASH_ROOT"

// TestQuarantineCrashHelper is the child of TestIntegrationQuarantineCrash:
// a verifier killed between Remove's rename and its unlink.
func TestQuarantineCrashHelper(t *testing.T) {
	root := os.Getenv(crashRootEnv)
	if root == "" {
		t.Skip("run by TestIntegrationQuarantineCrash")
	}
	src, err := transfer.OpenLocalSource(root)
	if err != nil {
		t.Fatal(err)
	}
	hashed := hashedFile(t, src, "d/a.warc.gz")
	transfer.SetTestHookQuarantined(func() { _ = syscall.Kill(os.Getpid(), syscall.SIGKILL) })
	t.Fatalf("Remove returned: %v", src.Remove(t.Context(), "d/a.warc.gz", hashed))
}

// crashRemove runs a child that dies in the middle of removing d/a.warc.gz
// and returns the private name it left behind.
func crashRemove(t *testing.T, root string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestQuarantineCrashHelper$")
	cmd.Env = append(os.Environ(), crashRootEnv+"="+root)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die in the delete: %v\n%s", err, out)
	}
	priv := privateNames(t, filepath.Join(root, "d"))
	if len(priv) != 1 {
		t.Fatalf("after the crash, private names %q", priv)
	}
	return "d/" + priv[0]
}

func TestIntegrationQuarantineCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: a child process killed mid-delete")
	}
	root := t.TempDir()
	p := writeFile(t, root, "d/a.warc.gz", "hashed bytes")
	priv := crashRemove(t, root)
	if _, err := os.Lstat(p); !os.IsNotExist(err) {
		t.Fatalf("the name is still there after the crash: %v", err)
	}
	// Until healed, the private name is nobody's file: never listed, never acted on.
	src, err := transfer.OpenLocalSource(root)
	if err != nil {
		t.Fatal(err)
	}
	err = src.Walk(t.Context(), func(fi transfer.FileInfo) error {
		t.Errorf("Walk reported %s", fi.Path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Stat(t.Context(), priv)
	wantIs(t, "Stat of a private name", err, fault.ErrInvalid)
	wantIs(t, "Remove of a private name", src.Remove(t.Context(), priv, transfer.FileInfo{}), fault.ErrInvalid)

	// Just quarantined: a live Remove may be at work, left alone.
	got, err := transfer.RestoreQuarantined(root, priv, transfer.QuarantineGrace)
	if err != nil || got != "" {
		t.Fatalf("RestoreQuarantined of a young file = %q, %v", got, err)
	}
	got, err = transfer.RestoreQuarantined(root, priv, 0)
	if err != nil || got != "d/a.warc.gz" {
		t.Fatalf("RestoreQuarantined = %q, %v", got, err)
	}
	if got := readFile(t, p); got != "hashed bytes" {
		t.Fatalf("restored file holds %q", got)
	}
	noPrivateNames(t, filepath.Dir(p))
	got, err = transfer.RestoreQuarantined(root, priv, 0)
	if err != nil || got != "" {
		t.Fatalf("RestoreQuarantined again = %q, %v", got, err)
	}

	// The name taken again meanwhile: nothing is replaced, the error says so.
	priv = crashRemove(t, root)
	writeFile(t, root, "d/a.warc.gz", "a new file")
	got, err = transfer.RestoreQuarantined(root, priv, 0)
	if err == nil || got != "" {
		t.Fatalf("RestoreQuarantined over a new file = %q, %v", got, err)
	}
	if readFile(t, p) != "a new file" || readFile(t, filepath.Join(root, priv)) != "hashed bytes" {
		t.Fatal("RestoreQuarantined replaced a file")
	}
	_, err = transfer.RestoreQuarantined(root, "d/a.warc.gz", 0)
	wantIs(t, "RestoreQuarantined of an ordinary name", err, fault.ErrInvalid)
}
