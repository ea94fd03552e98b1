package validate_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/validate"
	"github.com/ferrydata/ferry/internal/validate/validatetest"
)

// A WARC record over 1 MiB is cached in a file in the spill directory
// New is given (state_dir/validate in the daemons), not in /tmp: one that
// does not exist fails the record naming it, and one that does holds no
// file once the validation is done.
func TestWARCSpillsToSpillDir(t *testing.T) {
	body := bytes.Repeat([]byte("<html>a large crawled page</html>\n"), 64<<10) // 2.2 MiB a record
	data := validatetest.Write(t, 2, body, true).Data
	check := func(spillDir string) error {
		vs, err := validate.New([]string{"warc"}, spillDir)
		if err != nil {
			t.Fatal(err)
		}
		return vs[0].Validate(bytes.NewReader(data))
	}

	missing := filepath.Join(t.TempDir(), "no-such-dir")
	if err := check(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("spill dir %s missing: %v, want a finding naming it", missing, err)
	}
	dir := t.TempDir()
	if err := check(dir); err != nil {
		t.Errorf("spill dir %s: %v, want valid", dir, err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("spill dir holds %d files after the validation, want none", len(left))
	}
}
