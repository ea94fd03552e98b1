package transfer_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
	rfs "github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/operations"
)

// testIdentity: ReadBack tells which object it read, Identity says the same
// of it until it is replaced, and a replacement with the same size and
// mtime (a second writer) is told apart wherever the backend has an
// identity: device/inode/ctime locally, the stored MD5 on S3. SFTP has none
// beyond size and mtime.
func testIdentity(t *testing.T, b backend) {
	d := openDestination(t, b, transfer.SHA256)
	const rel = "id/a.warc.gz"
	sum := put(t, d, rel, "the bytes ferry put")
	back, id, err := d.ReadBack(t.Context(), rel, nil)
	if err != nil || back != sum {
		t.Fatalf("ReadBack = %+v, %v; Put said %+v", back, err, sum)
	}
	if id.Path != rel || id.Size != sum.Size || id.ModTime.IsZero() {
		t.Fatalf("ReadBack's identity = %+v", id)
	}
	switch {
	case b.onDisk():
		if id.Ino == 0 || id.Dev == 0 || id.CTime.IsZero() {
			t.Errorf("local identity without dev/inode/ctime: %+v", id)
		}
	case strings.HasPrefix(b.name, "s3"):
		if id.Tag == "" {
			t.Errorf("S3 identity without a tag: %+v", id)
		}
	}
	now, err := d.Identity(t.Context(), rel)
	if err != nil || now != id {
		t.Fatalf("Identity = %+v, %v; ReadBack said %+v", now, err, id)
	}

	// Another writer's bytes of the same size and mtime replace the copy.
	other := "THE BYTES FERRY PUT"
	if strings.HasPrefix(b.name, "s3") {
		// Through the S3 API (serve s3 caches what is on its disk), as
		// a writer that sends no If-None-Match would.
		f, err := rfs.NewFs(t.Context(), b.remote)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := operations.Rcat(t.Context(), f, rel, io.NopCloser(strings.NewReader(other)), id.ModTime, nil); err != nil {
			t.Fatal(err)
		}
	} else {
		p := b.path(rel)
		if err := os.WriteFile(p+".other", []byte(other), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p+".other", id.ModTime, id.ModTime); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(p+".other", p); err != nil {
			t.Fatal(err)
		}
	}
	swapped, err := d.Identity(t.Context(), rel)
	if err != nil || swapped.Size != id.Size || !swapped.ModTime.Equal(id.ModTime) {
		t.Fatalf("after a swap Identity = %+v, %v", swapped, err)
	}
	if b.name != "sftp" && swapped == id {
		t.Errorf("after a swap Identity = %+v, the same as before", swapped)
	}
	_, err = d.Identity(t.Context(), "id/none.warc.gz")
	wantIs(t, "Identity of nothing", err, fault.ErrNotFound)
}

// TestIntegrationReadBackSwappedMidRead: a copy renamed over while it is
// read back. The open file still yields the old bytes, so their hash alone
// would vouch for an object no longer at the path; ReadBack must refuse.
func TestIntegrationReadBackSwappedMidRead(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real rclone backends")
	}
	transfertest.Init(t)
	dir := t.TempDir()
	d, err := transfer.OpenDestination(t.Context(), dir, transfer.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	const rel = "swap/a.warc.gz"
	content := strings.Repeat("the copy ferry made ", 2<<20) // 40 MB: read for a while
	put(t, d, rel, content)
	p := filepath.Join(dir, "swap", "a.warc.gz")
	other := filepath.Join(dir, "swap", "other")
	if err := os.WriteFile(other, []byte(strings.ToUpper(content)), 0o644); err != nil {
		t.Fatal(err)
	}
	var progress transfer.Progress
	swapped := make(chan error, 1)
	go func() {
		for progress.Load() == 0 {
			time.Sleep(50 * time.Microsecond)
		}
		swapped <- os.Rename(other, p)
	}()
	_, _, err = d.ReadBack(t.Context(), rel, &progress)
	if err := <-swapped; err != nil {
		t.Fatal(err)
	}
	if err == nil {
		t.Fatal("ReadBack returned no error for a copy replaced while it was read")
	}
}
