package verifier

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
	"github.com/rclone/rclone/fs/config"
	"github.com/rclone/rclone/fs/rc"
)

// Red team, round 2: an S3 destination that is `rclone serve s3` over the
// local source directory, made after the start (so no start-up probe saw
// it; SAFETY.md section 2 leaves such a view to the run-time rules). The
// copy-stays check is a HEAD on the S3 server with the source moved aside:
// rclone's VFS answers it from its directory cache (--dir-cache-time, 5
// minutes by default), so the "copy" still looks there, unchanged, and the
// only copy is unlinked.
func TestIntegrationSourceViewServeS3ViewCachesListing(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: serves S3")
	}
	s3 := transfertest.StartS3Server(t)
	srcDir := s3.Path("") // the served bucket directory is the local source
	const rel, content = "a.warc.gz", "the only copy of these bytes"
	mtime := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	p := s3.Path(rel)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	err := verifyCopied(t, srcDir, s3.Remote, rel, content, mtime)
	if _, serr := os.Stat(p); serr != nil {
		t.Errorf("the source is gone and no copy exists anywhere (%v); verifyFile = %v, want %v", serr, err, fault.ErrOverlap)
	}
}

// Red team, round 2: as above, but the server serves the source through
// rclone's hasher (max_age off by default: MD5s cached forever), so the
// ETag of the file moved aside is still answered, unchanged, from the
// hasher's database and the VFS directory cache.
func TestIntegrationSourceViewServeS3HasherViewCachesListing(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: serves S3")
	}
	transfertest.Init(t)
	base := t.TempDir()
	srcDir := filepath.Join(base, "bucket")
	if err := os.Mkdir(srcDir, 0o755); err != nil {
		t.Fatal(err)
	}
	const keyID, secret = "attack2", "attack2secretattack2secret"
	addr := transfertest.ServeS3(t, ":hasher,remote='"+base+"',hashes=md5:", "127.0.0.1:0", keyID, secret)
	for k, v := range map[string]string{"type": "s3", "provider": "Rclone", "endpoint": "http://" + addr,
		"access_key_id": keyID, "secret_access_key": secret} {
		config.FileSetValue("attack2s3", k, v)
	}
	const rel, content = "a.warc.gz", "the only copy of these bytes"
	mtime := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	p := filepath.Join(srcDir, rel)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	err := verifyCopied(t, srcDir, "attack2s3:bucket", rel, content, mtime)
	if _, serr := os.Stat(p); serr != nil {
		t.Errorf("the source is gone and no copy exists anywhere (%v); verifyFile = %v, want %v", serr, err, fault.ErrOverlap)
	}
}

// Red team, round 2: `rclone serve s3 --vfs-cache-mode writes` over the
// local source from the start. The start-up probe writes its object to the
// S3 side and looks for it in the local source at once; the server keeps
// the upload in its VFS cache and writes it back to the source only after
// --vfs-write-back (5s), so the probe sees nothing, and removes it. At run
// time the copy-stays HEAD is answered from the VFS's caches.
func TestIntegrationSourceViewServeS3WriteBackViewPassesProbe(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: serves S3")
	}
	transfertest.Init(t)
	ctx := t.Context()
	base := t.TempDir()
	srcDir := filepath.Join(base, "bucket")
	if err := os.Mkdir(srcDir, 0o755); err != nil {
		t.Fatal(err)
	}
	const keyID, secret = "attack2wb", "attack2secretattack2secret"
	addr := serveS3Params(t, rc.Params{"type": "s3", "fs": ":hasher,remote='" + base + "',hashes=md5:",
		"addr": "127.0.0.1:0", "auth_key": []string{keyID + "," + secret},
		"vfs_cache_mode": "writes"})
	for k, v := range map[string]string{"type": "s3", "provider": "Rclone", "endpoint": "http://" + addr,
		"access_key_id": keyID, "secret_access_key": secret} {
		config.FileSetValue("attack2s3wb", k, v)
	}
	const rel, content = "a.warc.gz", "the only copy of these bytes"
	mtime := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	p := filepath.Join(srcDir, rel)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	if err := transfer.ProbeOverlap(ctx, []transfer.RouteStorage{{Name: "r", Source: srcDir, Destination: "attack2s3wb:bucket"}}); err != nil {
		t.Logf("ProbeOverlap = %v", err)
		return
	}
	t.Logf("ProbeOverlap passed")
	err := verifyCopied(t, srcDir, "attack2s3wb:bucket", rel, content, mtime)
	if _, serr := os.Stat(p); serr != nil {
		t.Errorf("the source is gone and no copy exists anywhere (%v); verifyFile = %v, want %v", serr, err, fault.ErrOverlap)
	}
}

// Red team, round 2: as above without a hasher: `rclone serve s3
// --etag-hash="" --vfs-cache-mode writes` over the source. Without an ETag
// the copy's tag is its upload time alone, which the VFS caches with the
// listing.
func TestIntegrationSourceViewServeS3NoETagWriteBackView(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: serves S3")
	}
	transfertest.Init(t)
	ctx := t.Context()
	base := t.TempDir()
	srcDir := filepath.Join(base, "bucket")
	if err := os.Mkdir(srcDir, 0o755); err != nil {
		t.Fatal(err)
	}
	const keyID, secret = "attack2ne", "attack2secretattack2secret"
	addr := serveS3Params(t, rc.Params{"type": "s3", "fs": base,
		"addr": "127.0.0.1:0", "auth_key": []string{keyID + "," + secret},
		"vfs_cache_mode": "writes", "etag_hash": ""})
	for k, v := range map[string]string{"type": "s3", "provider": "Rclone", "endpoint": "http://" + addr,
		"access_key_id": keyID, "secret_access_key": secret} {
		config.FileSetValue("attack2s3ne", k, v)
	}
	const rel, content = "a.warc.gz", "the only copy of these bytes"
	mtime := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	p := filepath.Join(srcDir, rel)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	if err := transfer.ProbeOverlap(ctx, []transfer.RouteStorage{{Name: "r", Source: srcDir, Destination: "attack2s3ne:bucket"}}); err != nil {
		t.Logf("ProbeOverlap = %v", err)
		return
	}
	t.Logf("ProbeOverlap passed")
	err := verifyCopied(t, srcDir, "attack2s3ne:bucket", rel, content, mtime)
	if _, serr := os.Stat(p); serr != nil {
		t.Errorf("the source is gone and no copy exists anywhere (%v); verifyFile = %v, want %v", serr, err, fault.ErrOverlap)
	}
}

// serveS3Params starts `rclone serve s3` with params through the rc until
// t ends, returning its address.
func serveS3Params(t *testing.T, params rc.Params) string {
	t.Helper()
	out, err := rc.Calls.Get("serve/start").Fn(t.Context(), params)
	if err != nil {
		t.Fatalf("couldn't start rclone serve s3: %v", err)
	}
	id, _ := out["id"].(string)
	t.Cleanup(func() { _, _ = rc.Calls.Get("serve/stop").Fn(context.Background(), rc.Params{"id": id}) })
	addr, _ := out["addr"].(string)
	return addr
}
