package transfer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/rclone/rclone/backend/local"
	"github.com/rclone/rclone/fs"
)

// A local copy must be on disk, not only in the page cache, before the
// verifier deletes its source: rclone's local backend never fsyncs, and a
// power cut after the delete could otherwise leave an empty or missing copy
// and no source. The copy's bytes are synced before it takes its final
// name, and its directory after, so the name is durable too; each
// directory above it is synced into its parent whenever that entry is new
// to this process (see durableEntries).

// syncFile flushes the file at path to its disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return fsync(f)
}

// fsync is (*os.File).Sync; a test counts the calls through it.
var fsync = func(f *os.File) error { return f.Sync() }

// localBeneath is the local directory at the bottom of a wrapper that
// renames or splits what it stores (crypt, chunker), if there is one.
func localBeneath(f fs.Fs) (string, bool) {
	if l, ok := fs.UnWrapFs(f).(*local.Fs); ok {
		return filepath.FromSlash(l.Root()), true
	}
	return "", false
}

// durableEntries are the directories whose own entry in their parent is
// known synced, by path, inode and generation: a directory removed and made
// again is a new entry even where the inode number is reused (ext4 does),
// as its generation is new. A copy's ancestors gain an entry only when
// rclone makes a new directory, so each is synced into its parent about
// once. Where the filesystem keeps no generation the key is the ctime,
// which also changes whenever the directory gains an entry: then every
// copy syncs its ancestors again (slower, as safe).
var durableEntries sync.Map

// syncDirs makes rel's name durable under root: rel's directory always (it
// has just gained rel), and each directory's entry in its parent up to
// root, once.
func syncDirs(root, rel string) error {
	dir := filepath.Dir(filepath.Join(root, filepath.FromSlash(rel)))
	if err := dirSyncs.sync(dir); err != nil {
		return fmt.Errorf("couldn't sync directory %s: %w", dir, err)
	}
	return syncEntries(root, dir)
}

// syncEntries syncs each directory's entry in its parent, from dir up to
// root, where this process has not synced that entry as it is now.
func syncEntries(root, dir string) error {
	root = filepath.Clean(root)
	for dir != root && filepath.Dir(dir) != dir {
		key, err := entryOf(dir)
		if err != nil {
			return err
		}
		parent := filepath.Dir(dir)
		if _, done := durableEntries.Load(key); !done {
			if err := dirSyncs.sync(parent); err != nil {
				return fmt.Errorf("couldn't sync directory %s: %w", parent, err)
			}
			durableEntries.Store(key, true)
		}
		dir = parent
	}
	return nil
}

type entryKey struct {
	path  string
	ino   uint64
	stamp int64 // the generation, or else the ctime
	isGen bool
	// parent is the parent's ctime: a generation survives the directory
	// being moved away and back (mv job job.old; mv job.old job), which
	// makes its entry again; the parent's ctime changes with any entry made
	// or removed in it, which is rare (a new directory), unlike the
	// directory's own ctime (every copy).
	parent int64
}

// entryOf is the key of directory dir's entry in its parent now.
func entryOf(dir string) (entryKey, error) {
	pst, err := os.Lstat(filepath.Dir(dir))
	if err != nil {
		return entryKey{}, fmt.Errorf("couldn't look at directory %s: %w", filepath.Dir(dir), err)
	}
	_, parent := inode(pst)
	if ino, gen, ok := dirGeneration(dir); ok {
		return entryKey{dir, ino, int64(gen), true, parent}, nil
	}
	st, err := os.Lstat(dir)
	if err != nil {
		return entryKey{}, fmt.Errorf("couldn't look at directory %s: %w", dir, err)
	}
	ino, ctime := inode(st)
	return entryKey{path: dir, ino: ino, stamp: ctime, parent: parent}, nil
}

func inode(st os.FileInfo) (ino uint64, ctimeNs int64) {
	_, ino, ctime := StatIdentity(st)
	return ino, ctime.UnixNano()
}

// Durable makes sure the copy at rel survives a power cut before its source
// is deleted: on a local destination its bytes and every directory entry
// down to it are synced. Put calls it for a copy written at its own name
// (--inplace), commitLocal syncs the others, and the verifier calls it
// right before each delete: the bytes of a copy this process synced and
// nobody changed since (durableCopies) are not synced twice; any other
// copy, such as one a killed attempt left, is synced whole. Remote stores answer an upload once it is
// stored; an SFTP server's page cache is its own (rclone sends no
// fsync@openssh.com).
func (d *Destination) Durable(_ context.Context, rel string) error {
	root, ok := localRoot(d.f)
	if !ok {
		if below, ok := localBeneath(d.f); ok {
			// crypt or chunker over a local directory: the copy's files
			// have names ferry cannot work out, so their whole filesystem
			// is synced.
			if err := syncFilesystem(below); err != nil {
				return fmt.Errorf("couldn't sync the filesystem under %s (holding the copy of %s) to disk: %w", d, rel, err)
			}
		}
		return nil
	}
	path := filepath.Join(root, filepath.FromSlash(rel))
	synced := false
	if key, err := copyOf(path); err == nil {
		if _, synced = durableCopies.LoadAndDelete(key); synced {
			durableCopiesHeld.Add(-1)
		}
	}
	// A copy this process synced with its name (commitLocal: bytes, then
	// its directory after the rename) and nobody renamed, linked or wrote
	// since (its ctime would be new) needs neither again. A directory above
	// it moved away and back leaves the copy's ctime as it was but makes a
	// new entry in its parent, which syncEntries finds and syncs.
	var err error
	if synced {
		err = syncEntries(root, filepath.Dir(path))
	} else if err = syncFile(path); err != nil {
		return fmt.Errorf("couldn't sync the copy of %s on %s to disk: %w", rel, d, err)
	} else {
		err = syncDirs(root, rel)
	}
	if err != nil {
		return fmt.Errorf("couldn't make the copy of %s on %s durable: %w", rel, d, err)
	}
	return nil
}

// durableCopies are the copies this process synced with their names
// (commitLocal), by path, inode and ctime: any write, rename, link or
// change of the file since gives it a new ctime, and Durable syncs it
// again. Durable takes a copy's entry out when it finds it, so in `ferry
// run` the set holds only copies waiting for their verification; where
// the verifier runs elsewhere nobody takes them out, so the set stops
// growing at maxDurableCopies and later copies are synced twice.
var (
	durableCopies     sync.Map
	durableCopiesHeld atomic.Int64
)

const maxDurableCopies = 4096

// copyOf is the key of the copy at path now.
func copyOf(path string) (entryKey, error) {
	st, err := os.Lstat(path)
	if err != nil {
		return entryKey{}, err
	}
	ino, ctime := inode(st)
	return entryKey{path: path, ino: ino, stamp: ctime}, nil
}

// rememberSynced records the copy at path as synced with its name, if it
// is still the file synced (descriptor f, which was as before when its
// bytes were synced) and unchanged since but for its rename: a second writer
// may have renamed another file over the name after the directory's sync
// (an operator's rclone, whose Move replaces), or written into it, and
// those bytes and that entry were never synced.
func rememberSynced(path string, f *os.File, before os.FileInfo) {
	if durableCopiesHeld.Load() >= maxDurableCopies {
		return
	}
	st, err := f.Stat()
	if err != nil || st.Size() != before.Size() || !st.ModTime().Equal(before.ModTime()) {
		return
	}
	ino, ctime := inode(st)
	if key, err := copyOf(path); err == nil && key.ino != 0 && key.ino == ino && key.stamp == ctime {
		if _, loaded := durableCopies.LoadOrStore(key, true); !loaded {
			durableCopiesHeld.Add(1)
		}
	}
}
