package transfer_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/transfer/transfertest"
	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/hash"
)

// testReadBackCatchesCorruption is invariant 1: only bytes read back vouch
// for a copy. It corrupts a stored object keeping its size and mtime, after
// a hasher's cache (an operator's, as the recipe's `remote-hasher:`) was
// filled, and ReadBack must still see it.
func testReadBackCatchesCorruption(t *testing.T, b backend) {
	d := openDestination(t, b, transfer.SHA256)
	const rel = "rot/a.warc.gz"
	sum := put(t, d, rel, "good bytes, archived forever")
	if back := readBack(t, d, rel); back != sum {
		t.Fatalf("first ReadBack = %+v, Put said %+v", back, sum)
	}
	if b.name != "hasher" { // a hasher over ferry's own hasher keys its cache differently
		readThroughHasher(t, b.remote, rel)
	}
	p := b.path(rel)
	before, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	corrupt := bytes.ToUpper([]byte("good bytes, archived forever"))
	if err := os.WriteFile(p, corrupt, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, before.ModTime(), before.ModTime()); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(p)
	if err != nil || after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) {
		t.Fatalf("corruption changed size or mtime: %v", err)
	}
	if b.name != "hasher" { // a hasher over ferry's own hasher keys its cache differently
		assertHasherCacheStale(t, b.remote, rel, sum.Hash)
	}
	back := readBack(t, d, rel)
	want, _ := transfer.HashReader(bytes.NewReader(corrupt), transfer.SHA256, nil)
	if back.Hash == sum.Hash || back != want {
		t.Fatalf("ReadBack of corrupted bytes = %+v, want %+v (Put said %+v)", back, want, sum)
	}
}

// assertHasherCacheStale shows why ReadBack never takes a hash from the
// hasher: after bytes changed in place with size and mtime kept, its cache
// still vouches for the old bytes, over local and S3 alike. If this starts
// failing, rclone changed its fingerprint; ReadBack's rule stays the same.
func assertHasherCacheStale(t *testing.T, remote, rel, oldHash string) {
	t.Helper()
	got, err := cachingHasherObject(t, remote, rel).Hash(t.Context(), hash.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if got != oldHash {
		t.Errorf("hasher cache says %q, expected the stale %q that ReadBack must ignore", got, oldHash)
	}
}

// cachingHasherObject is rel through a hasher over remote that caches sums
// for ever, as an operator's hasher remote may.
func cachingHasherObject(t *testing.T, remote, rel string) fs.Object {
	t.Helper()
	f, err := fs.NewFs(t.Context(), ":hasher,remote='"+strings.ReplaceAll(remote, "'", "''")+"',hashes=sha256,max_age=off:")
	if err != nil {
		t.Fatal(err)
	}
	obj, err := f.NewObject(t.Context(), rel)
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

// readThroughHasher reads rel in full through a caching hasher, which
// stores the sum of what it read.
func readThroughHasher(t *testing.T, remote, rel string) {
	t.Helper()
	rd, err := cachingHasherObject(t, remote, rel).Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, rd); err != nil {
		t.Fatal(err)
	}
	if err := rd.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestIntegrationReadBackOddRemote: the remote goes into the hasher's
// connection string, so quotes, commas and colons in it must survive.
func TestIntegrationReadBackOddRemote(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: real rclone backends")
	}
	transfertest.Init(t)
	dir := filepath.Join(t.TempDir(), `it's, "odd":dir`)
	d, err := transfer.OpenDestination(t.Context(), dir, transfer.SHA1)
	if err != nil {
		t.Fatal(err)
	}
	sum := put(t, d, "a.warc.gz", "odd")
	if back := readBack(t, d, "a.warc.gz"); back != sum {
		t.Fatalf("ReadBack = %+v, Put said %+v", back, sum)
	}
	if _, err := os.Stat(filepath.Join(dir, "a.warc.gz")); err != nil {
		t.Fatalf("not stored where asked: %v", err)
	}
}
