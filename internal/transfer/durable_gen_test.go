package transfer

import (
	"path/filepath"
	"slices"
	"testing"
)

// A directory that only gains entries keeps its generation, so its entry
// in its parent is not synced again for every copy put into it: on a
// filesystem that keeps generations, the second copy into job/warcs syncs
// the copy and job/warcs, not job/ or the root. (Keyed by ctime, which each
// new entry changes, every copy synced every ancestor again.)
func TestCopiesIntoOneDirectorySyncItsParentOnce(t *testing.T) {
	root := t.TempDir()
	d, err := OpenDestination(t.Context(), root, SHA256)
	if err != nil {
		t.Fatal(err)
	}
	putCopy(t, d, "job/warcs/a.warc.gz")
	if _, _, ok := dirGeneration(filepath.Join(root, "job", "warcs")); !ok {
		t.Skip("this filesystem keeps no inode generation: every copy syncs its ancestors (ctime keys)")
	}
	var synced []string
	hookFsync(t, func(path string) { synced = append(synced, path) })
	for _, name := range []string{"b", "c", "d"} {
		synced = nil
		putCopy(t, d, "job/warcs/"+name+".warc.gz")
		leaf := filepath.Join(root, "job", "warcs")
		if !slices.Contains(synced, leaf) {
			t.Fatalf("copy %s synced %v, want its directory %s (it gained the copy's name)", name, synced, leaf)
		}
		if slices.Contains(synced, filepath.Join(root, "job")) || slices.Contains(synced, root) {
			t.Fatalf("copy %s synced %v: job/warcs and job/ were already durable in their parents", name, synced)
		}
	}
}
