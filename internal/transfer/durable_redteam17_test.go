package transfer

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Attack on durableEntries (session 17): a destination directory removed
// (a downstream archiver emptied it) and made again by rclone for the next
// copy. ext4 hands a freed inode number out again, so the new directory has
// the old path and the old inode: the cache then says its entry in its
// parent is synced, and a power cut after the source delete can lose the
// new directory's entry, and the copy with it.
func TestRedteam17DirectoryMadeAgainWithItsOldInodeIsSyncedIntoItsParent(t *testing.T) {
	root := t.TempDir()
	var synced []string
	hookFsync(t, func(path string) { synced = append(synced, path) })

	d, err := OpenDestination(t.Context(), root, SHA256)
	if err != nil {
		t.Fatal(err)
	}
	job := filepath.Join(root, "job")
	putCopy(t, d, "job/warcs/a.warc.gz")
	st, err := os.Lstat(job)
	if err != nil {
		t.Fatal(err)
	}
	firstIno, _ := inode(st)

	// The directory goes, and comes back with its old inode (tried a few
	// times: ext4 reuses a freed inode at once, other filesystems may not).
	reused := false
	for range 20 {
		if err := os.RemoveAll(job); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(job, 0o755); err != nil {
			t.Fatal(err)
		}
		st, err := os.Lstat(job)
		if err != nil {
			t.Fatal(err)
		}
		if ino, _ := inode(st); ino == firstIno {
			reused = true
			break
		}
	}
	if !reused {
		t.Skip("this filesystem did not reuse the directory's inode; the attack needs it")
	}

	synced = nil
	copyAndMakeDurable(t, d, "job/warcs/b.warc.gz")
	if !slices.Contains(synced, root) {
		t.Fatalf("job/ was removed and made again (same inode %d); Put and Durable synced %v but not %s, which gained job/'s new entry: a power cut after the delete can lose the copy", firstIno, synced, root)
	}
}
