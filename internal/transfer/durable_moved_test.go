package transfer

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Red team 18, second round: a copy this process synced, then its job
// directory moved away and back (mv job job.old; mv job.old job). The
// copy's own inode and ctime are as they were, so Durable skips its bytes,
// but job/'s entry in the root was made again: Durable must sync the root.
func TestDurableSyncsTheDirectoriesOfACopyItAlreadySynced(t *testing.T) {
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
	if err := d.Durable(t.Context(), "job/warcs/a.warc.gz"); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(synced, root) {
		t.Fatalf("job/ was moved away and back after the copy was synced; Durable synced %v but not %s, whose entry for job/ was made again", synced, root)
	}
}
