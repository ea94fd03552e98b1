package verifier

import (
	"fmt"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/transfer"
	"github.com/ferrydata/ferry/internal/validate"
)

// Evidence is everything measured in one verification of one file.
type Evidence struct {
	Want   bus.File          // as announced, with the hash the mover read while copying
	Type   transfer.HashType // the route's hash
	Dest   transfer.Sum      // of the bytes just read back from the destination
	Source transfer.Sum      // of the source bytes read just now
	Before transfer.FileInfo // source stat before hashing it
	Hashed transfer.FileInfo // identity of the source file actually hashed (its open descriptor)
	After  transfer.FileInfo // source stat after hashing it
	// Copy is the identity of the destination object read back (unchanged
	// across the read: ReadBack checks). That it is still there, unchanged,
	// is checked last, inside the delete (copyStays), not here.
	Copy transfer.FileInfo
	// The route's content validators, their verdict on the bytes read back,
	// and whether a broken file moves all the same (see contentRule).
	Validate    []string
	Content     *validate.Result
	FlagInvalid bool
}

// MayDelete decides whether the source may be deleted. A nil error is the only
// yes; every error wraps the sentinel that says why not.
func MayDelete(e Evidence) error {
	switch {
	case e.Dest.Hash == "" || e.Source.Hash == "" || e.Want.Hash == "":
		return fmt.Errorf("%s: no hash computed for one side: %w", e.Want.Path, fault.ErrMissingHash)
	case e.Dest.Type != e.Type || e.Source.Type != e.Type:
		return fmt.Errorf("%s: hashes of different types (%s, %s), want %s: %w",
			e.Want.Path, e.Dest.Type, e.Source.Type, e.Type, fault.ErrMissingHash)
	case sameStorage(e.Hashed, e.Copy):
		// A symlink, bind mount or alias the start-up checks missed: the
		// "copy" is the source itself, and deleting it would delete both.
		return fmt.Errorf("%s: the copy is the source itself (device %d, inode %d): %w",
			e.Want.Path, e.Copy.Dev, e.Copy.Ino, fault.ErrOverlap)
	case e.Want.Ino != 0 && (e.Before.Ino != e.Want.Ino || e.Before.CTime.UnixNano() != e.Want.CTime):
		return fmt.Errorf("%s: another file (inode %d) stands where inode %d was copied: %w",
			e.Want.Path, e.Before.Ino, e.Want.Ino, fault.ErrSourceChanged)
	case !e.Before.SameObject(e.Hashed) || !e.Hashed.SameObject(e.After):
		// Identity too (inode, ctime; a remote's tag): a file renamed over the
		// path with equal size and mtime is another file.
		return fmt.Errorf("%s: source changed or was replaced while it was hashed: %w", e.Want.Path, fault.ErrSourceChanged)
	case e.Before.Size != e.Want.Size || e.Before.ModTime.UnixNano() != e.Want.ModTime || e.Source.Size != e.Want.Size:
		return fmt.Errorf("%s: source is %d bytes at %s, copied %d at %s: %w", e.Want.Path,
			e.Source.Size, e.Before.ModTime.Format(time.RFC3339Nano), e.Want.Size, e.Want.MTime().Format(time.RFC3339Nano), fault.ErrSourceChanged)
	case e.Want.Hash != e.Source.Hash:
		return fmt.Errorf("%s: source hash %s differs from %s read while copying: %w",
			e.Want.Path, e.Source.Hash, e.Want.Hash, fault.ErrSourceChanged)
	case e.Dest.Size != e.Source.Size || e.Dest.Hash != e.Source.Hash:
		return fmt.Errorf("%s: destination read back %d bytes %s %s, source %d bytes %s: %w", e.Want.Path,
			e.Dest.Size, e.Type, e.Dest.Hash, e.Source.Size, e.Source.Hash, fault.ErrMismatch)
	}
	return contentRule(e)
}

// sameStorage reports whether two local files are one inode: a copy that is
// the source itself, or a hard link to it.
func sameStorage(source, copy transfer.FileInfo) bool {
	return source.Ino != 0 && source.Dev == copy.Dev && source.Ino == copy.Ino
}
