package transfer_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// backend is a destination under test and where it keeps its bytes on disk,
// so a test can change them behind rclone's back.
type backend struct {
	name     string
	remote   string
	path     func(rel string) string
	partials bool // uploads go to a partial name first (not whole-object stores)
}

// backends starts every backend the destination suite runs against.
func backends(t *testing.T) []backend {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: real rclone backends")
	}
	transfertest.Init(t)
	local := t.TempDir()
	s3 := transfertest.StartS3Server(t)
	s3mp := transfertest.StartS3Server(t)
	sftp := transfertest.StartSFTP(t, nil)
	hashed := t.TempDir()
	under := func(dir string) func(string) string {
		return func(rel string) string { return filepath.Join(dir, filepath.FromSlash(rel)) }
	}
	return []backend{
		{"local", local, under(local), true},
		// The final rename must find the local directory through the wrapper.
		{"hasher", ":hasher,remote='" + hashed + "',hashes=md5:", under(hashed), true},
		{"s3", s3.Remote, s3.Path, false},
		// Every upload multipart: If-None-Match goes on CompleteMultipartUpload.
		{"s3-multipart", s3mp.Name + ",upload_cutoff=0:" + s3mp.Bucket, s3mp.Path, false},
		{"sftp", sftp.Remote, sftp.Path, true},
	}
}

// onDisk says whether b is rclone's local backend, bare or wrapped.
func (b backend) onDisk() bool {
	return b.name == "local" || b.name == "hasher"
}

func openDestination(t *testing.T, b backend, ht transfer.HashType) *transfer.Destination {
	t.Helper()
	d, err := transfer.OpenDestination(t.Context(), b.remote, ht)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// put uploads content as rel and checks the Sum is that of content.
func put(t *testing.T, d *transfer.Destination, rel, content string) transfer.Sum {
	t.Helper()
	var p transfer.Progress
	mtime := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	sum, err := d.Put(t.Context(), rel, strings.NewReader(content), int64(len(content)), mtime, &p)
	if err != nil {
		t.Fatalf("Put(%s): %v", rel, err)
	}
	want, _ := transfer.HashReader(strings.NewReader(content), sum.Type, nil)
	if sum != want || p.Load() != int64(len(content)) {
		t.Fatalf("Put(%s) = %+v (progress %d), want %+v", rel, sum, p.Load(), want)
	}
	return sum
}

func readBack(t *testing.T, d *transfer.Destination, rel string) transfer.Sum {
	t.Helper()
	sum, _, err := d.ReadBack(t.Context(), rel, nil)
	if err != nil {
		t.Fatalf("ReadBack(%s): %v", rel, err)
	}
	return sum
}

func TestIntegrationDestination(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			for _, ht := range []transfer.HashType{transfer.MD5, transfer.SHA1, transfer.SHA256} {
				t.Run("PutThenReadBack/"+string(ht), func(t *testing.T) {
					d := openDestination(t, b, ht)
					rel := "job/" + string(ht) + "/a.warc.gz"
					content := strings.Repeat("WARC/1.1 record\r\n", 4096)
					sum := put(t, d, rel, content)
					var p transfer.Progress
					back, _, err := d.ReadBack(t.Context(), rel, &p)
					if err != nil || back != sum || p.Load() != sum.Size {
						t.Fatalf("ReadBack = %+v (progress %d), %v; Put said %+v", back, p.Load(), err, sum)
					}
					size, exists, err := d.Stat(t.Context(), rel)
					if err != nil || !exists || size != sum.Size {
						t.Fatalf("Stat = %d, %v, %v", size, exists, err)
					}
				})
			}
			t.Run("EmptyFile", func(t *testing.T) {
				d := openDestination(t, b, transfer.SHA256)
				sum := put(t, d, "empty.warc.gz", "")
				if back := readBack(t, d, "empty.warc.gz"); back != sum {
					t.Fatalf("ReadBack = %+v, Put said %+v", back, sum)
				}
			})
			t.Run("NeverOverwrites", func(t *testing.T) {
				testNeverOverwrites(t, b)
			})
			t.Run("ReadBackCatchesCorruption", func(t *testing.T) {
				testReadBackCatchesCorruption(t, b)
			})
			t.Run("Missing", func(t *testing.T) {
				d := openDestination(t, b, transfer.SHA256)
				_, _, err := d.ReadBack(t.Context(), "no/such.warc.gz", nil)
				wantIs(t, "ReadBack", err, fault.ErrNotFound)
				if _, exists, err := d.Stat(t.Context(), "no/such.warc.gz"); exists || err != nil {
					t.Errorf("Stat = %v, %v; want absent", exists, err)
				}
			})
			t.Run("InvalidPath", func(t *testing.T) {
				d := openDestination(t, b, transfer.SHA256)
				_, err := d.Put(t.Context(), "../x", strings.NewReader("x"), 1, time.Now(), nil)
				wantIs(t, "Put", err, fault.ErrInvalid)
				_, _, err = d.ReadBack(t.Context(), "/etc/passwd", nil)
				wantIs(t, "ReadBack", err, fault.ErrInvalid)
				_, _, err = d.Stat(t.Context(), "a\nb")
				wantIs(t, "Stat", err, fault.ErrInvalid)
				_, err = transfer.OpenDestination(t.Context(), b.remote, "crc32")
				wantIs(t, "OpenDestination with crc32", err, fault.ErrInvalid)
			})
			t.Run("NothingAtRelUntilWhole", func(t *testing.T) {
				testNothingAtRelUntilWhole(t, b)
			})
			t.Run("SourceNotOfItsSize", func(t *testing.T) {
				testSourceNotOfItsSize(t, b)
			})
			t.Run("Identity", func(t *testing.T) {
				testIdentity(t, b)
			})
			t.Run("ConcurrentWriters", func(t *testing.T) {
				testConcurrentWriters(t, b)
			})
			if b.partials {
				t.Run("PartialPerAttempt", func(t *testing.T) {
					testPartialPerAttempt(t, b)
				})
			}
		})
	}
}
