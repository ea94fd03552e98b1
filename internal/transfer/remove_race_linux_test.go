package transfer_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
)

// Two verifiers of one file both reach Remove: the second opens it just
// before the first renames it aside, so the second's fstat sees the
// rename's new ctime. That is the file gone from its name (source
// missing: the retry finds the copy and records it moved), not a changed
// file (source_changed, a dead letter). If the first puts it back, the
// name holds a file touched since it was hashed: source_changed.
func TestLocalRemoveWhileAnotherRemoverMovesItAside(t *testing.T) {
	for _, tc := range []struct {
		name    string
		putBack bool
		want    error
	}{
		{"moved aside and deleted", false, fault.ErrSourceMissing},
		{"moved aside and put back", true, fault.ErrSourceChanged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			a := writeFile(t, root, "d/a.warc.gz", "hashed bytes")
			src, err := transfer.OpenLocalSource(root)
			if err != nil {
				t.Fatal(err)
			}
			hashed := hashedFile(t, src, "d/a.warc.gz")
			aside := filepath.Join(root, "d", ".other-verifier-aside")
			transfer.SetTestHookOpened(func() {
				if err := os.Rename(a, aside); err != nil {
					t.Error(err)
				}
				if tc.putBack {
					if err := os.Rename(aside, a); err != nil {
						t.Error(err)
					}
				}
			})
			defer transfer.SetTestHookOpened(nil)
			err = src.Remove(t.Context(), "d/a.warc.gz", hashed)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Remove = %v, want %v", err, tc.want)
			}
			kept := a
			if !tc.putBack {
				kept = aside
			}
			if b, err := os.ReadFile(kept); err != nil || string(b) != "hashed bytes" {
				t.Fatalf("the file at %s = %q, %v: Remove must delete nothing here", kept, b, err)
			}
		})
	}
}
