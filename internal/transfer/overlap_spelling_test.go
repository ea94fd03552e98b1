package transfer_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
)

// Two spellings of one SFTP directory that the static check compares as
// text and finds apart: they must still be probed. The server is
// unreachable on purpose: a probe fails to connect, so a nil error means
// no probe was tried. (Red-team finding, issue 7.)
func TestProbeOverlapProbesSFTPSpellings(t *testing.T) {
	transfertest.Init(t)
	srv := remote(t, "type", "sftp", "host", "127.0.0.1", "port", "1", "user", "crawler")
	noUser := remote(t, "type", "sftp", "host", "127.0.0.1", "port", "1")
	tests := []struct{ name, src, dst string }{
		// The login's home is /home/crawler: "data" is /home/crawler/data.
		{"home-relative and absolute", srv + ":/home/crawler/data", srv + ":data"},
		// rclone's sftp user defaults to the local user (crawler here).
		{"user left out", srv + ":data", noUser + ":data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			err := transfer.ProbeOverlap(ctx, routes([2]string{tt.src, tt.dst}))
			if err == nil {
				t.Errorf("ProbeOverlap(%s -> %s) = nil: neither refused nor probed", tt.src, tt.dst)
			}
			t.Log(err)
		})
	}
}

// A local source spelled with ".." after a symlink. The kernel (os.OpenRoot,
// which the watcher, mover and verifier use) resolves the symlink first and
// then "..": the source is the directory an S3 server serves. Read as text,
// the path names a directory that does not exist. An S3 copy has no inode,
// so nothing at run time could tell either. (Red-team finding, issue 7.)
func TestIntegrationProbeOverlapDotDotAfterSymlink(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: serves S3")
	}
	s3 := transfertest.StartS3Server(t)
	base := t.TempDir()
	if err := os.MkdirAll(filepath.Join(base, "deep", "er"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(base, "deep", "er"), filepath.Join(base, "lnk")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(s3.Dir, s3.Bucket), filepath.Join(base, "warcs")); err != nil {
		t.Fatal(err)
	}
	// lnk -> deep/er, "../.." of that is base: the kernel opens base/warcs,
	// the bucket's directory. Lexically it is base/../warcs.
	src := base + "/lnk/../../warcs"
	if err := os.WriteFile(filepath.Join(s3.Dir, s3.Bucket, "probe-me"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(src + "/probe-me"); err != nil {
		t.Fatalf("the spelling does not reach the bucket: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	err := transfer.ProbeOverlap(ctx, routes([2]string{src, s3.Remote}))
	if err == nil {
		t.Errorf("ProbeOverlap(%s -> %s) = nil, but the source is the bucket's directory", src, s3.Remote)
	}
	t.Log(err)
}
