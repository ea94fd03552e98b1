package transfer_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// A state dir inside a source would have ferry empty its spill directory,
// a crawler's files among them, at start (red team 18): refused, through
// a symlink too; a state dir beside the sources is fine.
func TestCheckStateDir(t *testing.T) {
	transfertest.Init(t)
	root := t.TempDir()
	src := filepath.Join(root, "heritrix")
	if err := os.MkdirAll(filepath.Join(src, "job"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "state-link")
	if err := os.Symlink(filepath.Join(src, "job"), link); err != nil {
		t.Fatal(err)
	}
	routes := []transfer.RouteStorage{{Name: "warcs", Source: src, Destination: filepath.Join(root, "dst")}}
	for _, tc := range []struct {
		name, state string
		refused     bool
	}{
		{"beside the source", filepath.Join(root, "state"), false},
		{"the source itself", src, true},
		{"inside the source", filepath.Join(src, "ferry-state"), true},
		{"a symlink into the source", link, true},
		{"the source's parent, spill dir apart", root, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := transfer.CheckStateDir(tc.state, filepath.Join(tc.state, "validate"), routes)
			if tc.refused != (err != nil) || (err != nil && !errors.Is(err, fault.ErrOverlap)) {
				t.Fatalf("CheckStateDir(%s) = %v, want refused %v (fault.ErrOverlap)", tc.state, err, tc.refused)
			}
			t.Logf("%v", err)
		})
	}
	// The spill directory alone a symlink into a source.
	if err := transfer.CheckStateDir(filepath.Join(root, "state"), link, routes); !errors.Is(err, fault.ErrOverlap) {
		t.Fatalf("a spill directory linked into the source: %v, want fault.ErrOverlap", err)
	}
	// A source that is the spill directory, or inside it.
	spillSrc := []transfer.RouteStorage{{Name: "odd", Source: filepath.Join(root, "state", "validate", "in"), Destination: filepath.Join(root, "dst")}}
	if err := transfer.CheckStateDir(filepath.Join(root, "state"), filepath.Join(root, "state", "validate"), spillSrc); !errors.Is(err, fault.ErrOverlap) {
		t.Fatalf("a source inside the spill directory: %v, want fault.ErrOverlap", err)
	}
}
