package transfer_test

import (
	"testing"

	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/hash"
)

// assertHasherCacheStale shows why ReadBack never takes a hash from the
// hasher: after bytes changed in place with size and mtime kept, its cache
// still vouches for the old bytes, over local and S3 alike. If this starts
// failing, rclone changed its fingerprint; ReadBack's rule stays the same.
func assertHasherCacheStale(t *testing.T, remote, rel, oldHash string) {
	t.Helper()
	ctx := t.Context()
	f, err := fs.NewFs(ctx, ":hasher,remote='"+remote+"',hashes=sha256,max_age=off:")
	if err != nil {
		t.Fatal(err)
	}
	obj, err := f.NewObject(ctx, rel)
	if err != nil {
		t.Fatal(err)
	}
	got, err := obj.Hash(ctx, hash.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if got != oldHash {
		t.Errorf("hasher cache says %q, expected the stale %q that ReadBack must ignore", got, oldHash)
	}
}
