package transfer_test

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
)

func testNeverOverwrites(t *testing.T, b backend) {
	d := openDestination(t, b, transfer.SHA256)
	old := put(t, d, "dup.warc.gz", "the original bytes")
	_, err := d.Put(t.Context(), "dup.warc.gz", strings.NewReader("other bytes, same...."), 21, time.Now(), nil)
	wantIs(t, "second Put", err, fault.ErrConflict)
	if back := readBack(t, d, "dup.warc.gz"); back != old {
		t.Fatalf("after a refused Put, ReadBack = %+v, want the original %+v", back, old)
	}
	got, err := os.ReadFile(b.path("dup.warc.gz"))
	if err != nil || string(got) != "the original bytes" {
		t.Fatalf("stored bytes = %q, %v", got, err)
	}
}

func testSourceNotOfItsSize(t *testing.T, b backend) {
	d := openDestination(t, b, transfer.MD5)
	tests := []struct {
		name, content string
		size          int64
	}{
		{"shorter", "12345", 10},
		{"longer", "1234567890", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rel := "sized/" + tt.name
			_, err := d.Put(t.Context(), rel, strings.NewReader(tt.content), tt.size, time.Now(), nil)
			wantIs(t, "Put", err, fault.ErrSourceChanged)
			if _, exists, err := d.Stat(t.Context(), rel); exists || err != nil {
				t.Errorf("a copy was left behind: exists=%v err=%v", exists, err)
			}
		})
	}
	if !b.partials {
		return // a whole-object store's own temp files are the server's business
	}
	// Nor a partial: a failed upload removes its own.
	entries, err := os.ReadDir(filepath.Dir(b.path("sized/x")))
	if err != nil && !errors.Is(err, fs.ErrNotExist) || len(entries) > 0 {
		t.Errorf("after failed uploads the dir holds %v, %v", names(entries), err)
	}
}

// testNothingAtRelUntilWhole: a process killed mid-upload must not leave a
// truncated file at the final name, where the retry would see a conflict.
func testNothingAtRelUntilWhole(t *testing.T, b backend) {
	d := openDestination(t, b, transfer.MD5)
	const rel = "slow/a.warc.gz"
	content := strings.Repeat("0123456789abcdef", 1<<16)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := d.Put(t.Context(), rel, pr, int64(len(content)), time.Now(), nil)
		pr.CloseWithError(err) // unblock the writes below if Put gave up
		done <- err
	}()
	if _, err := io.WriteString(pw, content[:len(content)/2]); err != nil {
		t.Fatal(err)
	}
	// The backend has taken half the bytes.
	if _, err := os.Stat(b.path(rel)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("mid-upload, the final name exists: %v", err)
	}
	if _, exists, err := d.Stat(t.Context(), rel); exists || err != nil {
		t.Errorf("mid-upload, Stat = %v, %v", exists, err)
	}
	if _, err := io.WriteString(pw, content[len(content)/2:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Dir(b.path(rel)))
	if err != nil || len(entries) != 1 || entries[0].Name() != "a.warc.gz" {
		t.Fatalf("after the upload the dir holds %v, %v; want only a.warc.gz", entries, err)
	}
}
