package testkit

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// WriteFile writes data to path, making its directory first.
func WriteFile(tb testing.TB, path string, data []byte) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// HeritrixWrite writes path as Heritrix writes a WARC: to path.open, renamed
// to path once whole, so the final name never shows a partial file.
func HeritrixWrite(tb testing.TB, path string, data []byte) {
	tb.Helper()
	WriteFile(tb, path+".open", data)
	if err := os.Rename(path+".open", path); err != nil {
		tb.Fatal(err)
	}
}

// FileNames lists the files under root, relative to it and slash-separated,
// without reading them; a missing root has none.
func FileNames(tb testing.TB, root string) []string {
	tb.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		tb.Fatal(err)
	}
	return out
}
