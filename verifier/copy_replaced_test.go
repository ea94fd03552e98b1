package verifier

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// replaceCopyAtRemove is a real local source on which, as the verifier
// goes to delete (every check before it passed), a second writer replaces
// the copy at the destination: on disk at copyPath, behind any S3 API.
type replaceCopyAtRemove struct {
	transfer.Source
	t        *testing.T
	copyPath string
	replace  func(t *testing.T, path string)
}

func (s replaceCopyAtRemove) Remove(ctx context.Context, rel string, hashed transfer.FileInfo, checks ...transfer.LastCheck) error {
	s.replace(s.t, s.copyPath)
	return s.Source.Remove(ctx, rel, hashed, checks...)
}

// A copy replaced or rewritten after it was read back, right before the
// delete, is caught by the delete's last check (copyStays, run with the
// source moved aside): the source stays, the file fails as a conflict.
// That check is the only look at the copy after its read-back.
func TestIntegrationCopyReplacedBeforeTheDeleteKeepsTheSource(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: rclone and serve s3")
	}
	transfertest.Init(t)
	const rel, content = "a.warc.gz", "the bytes of a, verified"
	replacements := map[string]func(t *testing.T, path string){
		"replaced by another file": func(t *testing.T, path string) {
			other := path + ".other"
			if err := os.WriteFile(other, []byte("another writer's bytes!!"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(other, path); err != nil {
				t.Fatal(err)
			}
		},
		"rewritten in place, same size": func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("THE BYTES OF A, VERIFIED"), 0o644); err != nil {
				t.Fatal(err)
			}
		},
		"touched": func(t *testing.T, path string) {
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(path, later, later); err != nil {
				t.Fatal(err)
			}
		},
	}
	for _, dest := range []string{"local", "s3"} {
		for name, replace := range replacements {
			t.Run(dest+"/"+name, func(t *testing.T) {
				rig := copyTo(t, dest, rel, content)
				err := verifyOne(t.Context(), replaceCopyAtRemove{Source: rig.src, t: t, copyPath: rig.copyPath, replace: replace}, rig.dst, rig.file)
				t.Logf("verify = %v", err)
				if err == nil || !(errors.Is(err, fault.ErrConflict) || errors.Is(err, fault.ErrOverlap)) {
					t.Errorf("verify = %v, want a conflict (or overlap): the copy changed after its read-back", err)
				}
				if got, err := os.ReadFile(rig.srcPath); err != nil || string(got) != content {
					t.Errorf("source = %q, %v; want it kept whole", got, err)
				}
				if left, _ := os.ReadDir(filepath.Dir(rig.srcPath)); len(left) != 1 {
					t.Errorf("source dir holds %d entries, want the source alone (nothing left aside)", len(left))
				}
			})
		}
	}
}
