package validate_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ferrydata/ferry/internal/validate"
)

// Red team 18, second round: a crawler's job directory bind-mounted over
// state_dir/validate looks like a plain directory. CleanSpillDir removes
// only the warc validator's own spill files, so the job's WARCs (and any
// other file or directory in it) stay.
func TestCleanSpillDirRemovesOnlySpillFiles(t *testing.T) {
	dir := t.TempDir()
	spill := filepath.Join(dir, "tmp-diskbuffer-123456")
	keep := []string{filepath.Join(dir, "WEB-1.warc.gz"), filepath.Join(dir, "crawl.log.20261202"), filepath.Join(dir, "tmp-diskbuffer-dir", "x")}
	for _, p := range append(keep, spill) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("bytes"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n, err := validate.CleanSpillDir(dir)
	if err != nil || n != 1 {
		t.Fatalf("CleanSpillDir = %d, %v; want the one spill file removed", n, err)
	}
	if _, err := os.Stat(spill); !os.IsNotExist(err) {
		t.Fatalf("spill file %s: %v, want it removed", spill, err)
	}
	for _, p := range keep {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s: %v, want it kept", p, err)
		}
	}
}
