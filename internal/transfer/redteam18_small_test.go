package transfer

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Attack on s18-small's generation keys (session 18): an operator moves a
// destination directory away and back (`mv job job.old; mv job.old job`).
// The directory keeps its inode and its generation, but its entry in the
// root was removed and made again and nothing synced the root since. Keyed
// by ctime (main), the rename changed job/'s ctime and the root is synced
// again; keyed by generation alone, the cache says job/'s entry is durable.
func TestRedteam18DirectoryMovedAwayAndBackIsSyncedIntoItsParent(t *testing.T) {
	root := t.TempDir()
	var synced []string
	hookFsync(t, func(path string) { synced = append(synced, path) })
	d, err := OpenDestination(t.Context(), root, SHA256)
	if err != nil {
		t.Fatal(err)
	}
	putCopy(t, d, "job/warcs/a.warc.gz")
	job, away := filepath.Join(root, "job"), filepath.Join(root, "job.old")
	if err := os.Rename(job, away); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(away, job); err != nil {
		t.Fatal(err)
	}
	synced = nil
	copyAndMakeDurable(t, d, "job/warcs/b.warc.gz")
	if !slices.Contains(synced, root) {
		t.Fatalf("job/ was moved away and back; Put and Durable synced %v but not %s, whose entry for job/ was made again: a power cut after the delete can lose the copy", synced, root)
	}
}
