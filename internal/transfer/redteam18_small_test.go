package transfer

import (
	"slices"
	"testing"
)

// Attack on s18-small's generation keys (session 18): keyed by ctime
// (main), the move changed job/'s ctime and the root is synced again;
// keyed by generation alone, the cache says job/'s entry is durable when a
// second copy goes into it.
func TestRedteam18DirectoryMovedAwayAndBackIsSyncedIntoItsParent(t *testing.T) {
	d, root, synced := copyThenMoveJobAwayAndBack(t)
	copyAndMakeDurable(t, d, "job/warcs/b.warc.gz")
	if !slices.Contains(*synced, root) {
		t.Fatalf("job/ was moved away and back; Put and Durable synced %v but not %s, whose entry for job/ was made again: a power cut after the delete can lose the copy", *synced, root)
	}
}
