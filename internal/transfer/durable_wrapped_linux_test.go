package transfer_test

import (
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// A copy under crypt or chunker over a local directory is stored under
// names ferry cannot work out, so Durable syncs that directory's whole
// filesystem before the verifier deletes a source; S3 has nothing to sync.
func TestDurableSyncsTheFilesystemBeneathANameChangingWrapper(t *testing.T) {
	transfertest.Init(t)
	var mu sync.Mutex
	var synced []string
	defer transfer.HookSyncFilesystem(func(dir string) {
		mu.Lock()
		synced = append(synced, dir)
		mu.Unlock()
	})()
	for _, tc := range []struct {
		name string
		spec func(dir string) string
	}{
		{"crypt", func(dir string) string {
			return remote(t, "type", "crypt", "remote", dir, "password", "Ix3Tb8fDWE9qq2nuRLRmPZ0JRPDEc7ck") + ":"
		}},
		{"chunker", func(dir string) string {
			return remote(t, "type", "chunker", "remote", dir, "chunk_size", "1Ki") + ":"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			d, err := transfer.OpenDestination(t.Context(), tc.spec(dir), transfer.MD5)
			if err != nil {
				t.Fatal(err)
			}
			content := strings.Repeat("warc bytes ", 300) // three chunks under chunker
			if _, err := d.Put(t.Context(), "job/a.warc.gz", strings.NewReader(content), int64(len(content)), time.Now(), nil); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			synced = nil
			mu.Unlock()
			if err := d.Durable(t.Context(), "job/a.warc.gz"); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if !slices.Contains(synced, filepath.Clean(dir)) {
				t.Fatalf("Durable synced the filesystems of %v, want the one holding %s", synced, dir)
			}
		})
	}
	mu.Lock()
	synced = nil
	mu.Unlock()
	d, err := transfer.OpenDestination(t.Context(), transfertest.StartS3(t), transfer.MD5)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Durable(t.Context(), "job/a.warc.gz"); err != nil || len(synced) > 0 {
		t.Fatalf("Durable on S3 = %v and synced %v, want nothing to do", err, synced)
	}
}
