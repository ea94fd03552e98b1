package verifier

import (
	"crypto/md5"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// Red-team attacks that held (issue 7): each leaves the source in place.
func TestIntegrationDeleteRefusedHeld(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real rclone backends")
	}
	transfertest.Init(t)
	const rel, content = "a.warc.gz", "the only copy of these bytes"
	h := md5.Sum([]byte(content))
	for _, tt := range []struct {
		name  string
		sub   string                                    // the destination is dstDir/sub
		setup func(t *testing.T, srcDir, dstDir string) // after the destination is opened
		ino   bool                                      // announce the inode
	}{
		{"hard link at the destination", "", func(t *testing.T, srcDir, dstDir string) {
			if err := os.Link(filepath.Join(srcDir, rel), filepath.Join(dstDir, rel)); err != nil {
				t.Fatal(err)
			}
		}, true},
		// The destination is opened while it does not exist, as at start;
		// then someone makes it a symlink to the source.
		{"destination created later as a symlink to the source", "later", func(t *testing.T, srcDir, dstDir string) {
			if err := os.Symlink(srcDir, filepath.Join(dstDir, "later")); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"forged job without an inode, no copy at all", "", func(t *testing.T, srcDir, dstDir string) {}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			srcDir, dstDir := t.TempDir(), t.TempDir()
			mtime := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
			p := filepath.Join(srcDir, rel)
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(p, mtime, mtime); err != nil {
				t.Fatal(err)
			}
			spec := filepath.Join(dstDir, tt.sub)
			src, err := transfer.OpenLocalSource(srcDir)
			if err != nil {
				t.Fatal(err)
			}
			dst, err := transfer.OpenDestination(ctx, spec, transfer.MD5)
			if err != nil {
				t.Fatal(err)
			}
			tt.setup(t, srcDir, dstDir)
			st, err := src.Stat(ctx, rel)
			if err != nil {
				t.Fatal(err)
			}
			f := bus.File{Path: rel, Size: int64(len(content)), ModTime: mtime.UnixNano(), Hash: hex.EncodeToString(h[:])}
			if tt.ino {
				f.Ino, f.CTime = st.Ino, st.CTime.UnixNano()
			}
			err = verifyOne(ctx, src, dst, f)
			t.Logf("verifyFile = %v", err)
			if _, serr := os.Stat(p); serr != nil || err == nil {
				t.Errorf("source: %v; verifyFile = %v, want a refusal", serr, err)
			}
		})
	}
}
