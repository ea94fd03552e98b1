package transfer

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// copyThenMoveJobAwayAndBack puts job/warcs/a.warc.gz in a fresh local
// destination, then moves its job directory away and back (`mv job
// job.old; mv job.old job`), as an operator might. job/ keeps its inode and
// generation, and the copy its inode and ctime, but job/'s entry in the
// root was made again and nothing synced the root since. It returns the
// destination, its root, and the paths fsynced from then on.
func copyThenMoveJobAwayAndBack(t *testing.T) (*Destination, string, *[]string) {
	t.Helper()
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
	return d, root, &synced
}

// Red team 18, second round: Durable skips the bytes of the copy this
// process synced, but must sync the root again.
func TestDurableSyncsTheDirectoriesOfACopyItAlreadySynced(t *testing.T) {
	d, root, synced := copyThenMoveJobAwayAndBack(t)
	if err := d.Durable(t.Context(), "job/warcs/a.warc.gz"); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(*synced, root) {
		t.Fatalf("job/ was moved away and back after the copy was synced; Durable synced %v but not %s, whose entry for job/ was made again", *synced, root)
	}
}
