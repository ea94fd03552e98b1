package validate_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ferrydata/ferry/internal/validate"
)

// Attack on CleanSpillDir (session 18): state_dir/validate is a symlink
// (an operator moved the spill space to a bigger disk and linked it, and
// got the target wrong: a crawler's job directory). Emptying the link's
// target at start would delete source files that were never copied.
func TestRedteam18CleanSpillDirDoesNotFollowASymlink(t *testing.T) {
	state, crawl := t.TempDir(), t.TempDir()
	warc := filepath.Join(crawl, "a.warc.gz")
	if err := os.WriteFile(warc, []byte("not copied yet"), 0o644); err != nil {
		t.Fatal(err)
	}
	spill := filepath.Join(state, "validate")
	if err := os.Symlink(crawl, spill); err != nil {
		t.Fatal(err)
	}
	n, err := validate.CleanSpillDir(spill)
	if _, statErr := os.Stat(warc); statErr != nil {
		t.Fatalf("CleanSpillDir(%s -> %s) = %d, %v: it removed %s", spill, crawl, n, err, warc)
	}
	if err == nil {
		t.Fatalf("CleanSpillDir of a symlink = %d, nil: want an error saying it is not a directory", n)
	}
}
