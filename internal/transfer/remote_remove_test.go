package transfer_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
	"github.com/rclone/rclone/fs/cache"
	"github.com/rclone/rclone/fs/object"
)

// A remote source's Remove reads the object again and refuses one replaced
// since it was hashed: on S3 by its stored MD5 even with size and mtime
// kept, on the local backend by size or mtime.
func TestIntegrationRemoteRemoveReplaced(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real rclone backends")
	}
	transfertest.Init(t)
	s3 := transfertest.StartS3Server(t)
	localDir := t.TempDir()
	for _, tt := range []struct {
		name, spec, dir string
		keepMTime       bool // the replacement keeps the mtime: only a tag can tell
	}{
		{"s3", s3.Remote, filepath.Join(s3.Dir, s3.Bucket), true},
		{"local backend", ":local:" + localDir, localDir, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			mtime := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
			p := writeFile(t, tt.dir, "d/a.warc.gz", "hashed bytes")
			if err := os.Chtimes(p, mtime, mtime); err != nil {
				t.Fatal(err)
			}
			src, err := transfer.OpenSource(ctx, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			hashed := hashedFile(t, src, "d/a.warc.gz")
			if tt.keepMTime && hashed.Tag == "" {
				t.Fatalf("no tag for an S3 object: %+v", hashed)
			}
			if tt.keepMTime {
				// Through the S3 API: the server caches hashes of files
				// changed behind its back with size and mtime kept.
				f, err := cache.Get(ctx, tt.spec)
				if err != nil {
					t.Fatal(err)
				}
				const other = "other! bytes"
				info := object.NewStaticObjectInfo("d/a.warc.gz", mtime, int64(len(other)), true, nil, f)
				if _, err := f.Put(ctx, strings.NewReader(other), info); err != nil {
					t.Fatal(err)
				}
			} else {
				writeFile(t, tt.dir, "d/a.warc.gz", "other! bytes")
			}
			err = src.Remove(ctx, "d/a.warc.gz", hashed)
			t.Log(err)
			wantIs(t, "Remove of a replaced object", err, fault.ErrSourceChanged)
			if got := readFile(t, p); got != "other! bytes" {
				t.Fatalf("object holds %q", got)
			}
			if err := src.Remove(ctx, "d/a.warc.gz", hashedFile(t, src, "d/a.warc.gz")); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Lstat(p); !os.IsNotExist(err) {
				t.Fatalf("after Remove: %v", err)
			}
		})
	}
}
