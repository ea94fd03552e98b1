package transfer

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/rclone/rclone/backend/hasher"
	"github.com/rclone/rclone/backend/local"
	"github.com/rclone/rclone/backend/s3"
	"github.com/rclone/rclone/backend/sftp"
	"github.com/rclone/rclone/fs"
)

// The final write must itself refuse to replace an object: a check before
// it leaves a window in which a second writer (another host, another job)
// lands at rel and one of the two copies is lost. How each backend refuses:
//
//   - local (also under alias or hasher): renameat2(RENAME_NOREPLACE), or
//     link + unlink, from the partial name to rel; rclone's Move is a plain
//     rename that replaces.
//   - S3: the upload at rel carries If-None-Match: *, and the server
//     refuses to replace a key (412), atomically.
//   - SFTP: a hard link (OpenSSH's hardlink@openssh.com, rclone's
//     copy_is_hardlink) from the partial name to rel, then the partial is
//     removed; link(2) refuses an existing target. rclone's Move uses
//     posix-rename, which replaces, or removes the target first.
//   - anything else with a Move (HDFS: its Go client renames with
//     OverwriteDest; crypt or chunker over any backend): a last look at
//     rel, then Move. Not atomic; the delete's last look at the copy's
//     identity (the verifier's copyStays, run by Source.Remove) is what
//     catches the loser of that race.

// ifNoneMatch makes an S3 upload refuse to replace an existing key.
var ifNoneMatch = &fs.HTTPOption{Key: "If-None-Match", Value: "*"}

// putOptions are the options of an upload written directly at its final
// name. Wrappers (crypt, hasher) pass options on to the backend below.
func (d *Destination) putOptions() []fs.OpenOption {
	if _, ok := fs.UnWrapFs(d.f).(*s3.Fs); ok {
		return []fs.OpenOption{ifNoneMatch}
	}
	return nil
}

// refused says whether err is a store refusing a conditional write: HTTP
// 412. AWS answers two racing conditional writes with 409
// ConditionalRequestConflict instead; that one stays a plain, retried error.
func refused(err error) bool {
	var status interface{ HTTPStatusCode() int }
	return errors.As(err, &status) && status.HTTPStatusCode() == 412
}

// commit moves the complete upload obj from its partial name to rel,
// never replacing an object there. On any failure the partial is removed;
// an object at rel is fault.ErrConflict.
func (d *Destination) commit(ctx context.Context, obj fs.Object, rel string) error {
	if root, ok := localRoot(d.f); ok {
		return d.commitLocal(ctx, obj, root, rel)
	}
	if d.link != nil {
		_, err := d.link.Features().Copy(ctx, obj, rel)
		if !errors.Is(err, fs.ErrorCantCopy) { // the server has no hard links: Move below
			return d.finishLink(ctx, obj, rel, err)
		}
	}
	_, exists, err := d.Stat(ctx, rel)
	if err == nil && exists {
		err = fmt.Errorf("couldn't put %s on %s: an object appeared during the upload: %w", rel, d, fault.ErrConflict)
	}
	if err != nil {
		return d.undo(ctx, obj, err)
	}
	if _, err := d.f.Features().Move(ctx, obj, rel); err != nil {
		return d.undo(ctx, obj, fmt.Errorf("couldn't rename the upload of %s on %s: %w", rel, d, err))
	}
	return nil
}

func (d *Destination) commitLocal(ctx context.Context, obj fs.Object, root, rel string) error {
	from := filepath.Join(root, filepath.FromSlash(obj.Remote()))
	// The path is worked out, not given by rclone: make sure it is the upload.
	if st, err := os.Lstat(from); err != nil || !st.Mode().IsRegular() || st.Size() != obj.Size() {
		return d.undo(ctx, obj, fmt.Errorf("couldn't find the upload of %s on %s at %s: %v", rel, d, from, err))
	}
	// The upload stays open until it is remembered as synced: what is
	// remembered is the file this descriptor synced, never whatever a
	// second writer put at the name since (and its inode number cannot be
	// handed out again while it is open).
	up, err := os.Open(from)
	var synced os.FileInfo // the upload as its bytes were synced
	if err == nil {
		defer up.Close()
		if err = fsync(up); err == nil {
			synced, err = up.Stat()
		}
	}
	if err != nil {
		return d.undo(ctx, obj, fmt.Errorf("couldn't sync the upload of %s on %s to disk: %w", rel, d, err))
	}
	err = renameNoReplace(from, filepath.Join(root, filepath.FromSlash(rel)))
	if err == nil {
		// The copy stays if its name cannot be synced: it is whole, and
		// only a retry, which finds it identical, can make it durable.
		if serr := syncDirs(root, rel); serr != nil {
			return fmt.Errorf("couldn't make the copy of %s on %s durable: %w", rel, d, serr)
		}
		rememberSynced(filepath.Join(root, filepath.FromSlash(rel)), up, synced)
	}
	if errors.Is(err, iofs.ErrExist) {
		err = fmt.Errorf("couldn't put %s on %s: an object appeared during the upload: %w", rel, d, fault.ErrConflict)
	} else if err != nil {
		err = fmt.Errorf("couldn't rename the upload of %s on %s: %w", rel, d, err)
	}
	if err != nil {
		return d.undo(ctx, obj, err)
	}
	return nil
}

// finishLink removes the partial once the hard link at rel was made, or
// after it failed; a failed link with an object at rel is a conflict.
func (d *Destination) finishLink(ctx context.Context, obj fs.Object, rel string, linkErr error) error {
	if linkErr == nil {
		if err := obj.Remove(ctx); err != nil {
			// The copy is whole at rel; only a stray partial is left.
			fs.Errorf(obj, "couldn't remove the partial upload after linking it to %s: %v", rel, err)
		}
		return nil
	}
	// link(2)'s EEXIST reaches the client as a plain SSH_FX_FAILURE.
	err := fmt.Errorf("couldn't link the upload of %s on %s: %w", rel, d, linkErr)
	if _, exists, statErr := d.Stat(ctx, rel); statErr != nil || exists {
		err = fmt.Errorf("couldn't put %s on %s: an object appeared during the upload: %w", rel, d, fault.ErrConflict)
	}
	return d.undo(ctx, obj, err)
}

// localRoot is the directory on this machine holding f's objects under
// their own names, if f is the local backend, or a hasher over it (alias
// hands back the Fs it points at).
func localRoot(f fs.Fs) (string, bool) {
	for f != nil {
		switch t := f.(type) {
		case *local.Fs:
			return filepath.FromSlash(t.Root()), true
		case *hasher.Fs: // keeps names and paths: its objects are the local files
			f = t.Features().UnWrap()
		default:
			return "", false
		}
	}
	return "", false
}

// openLinker opens f again with copy_is_hardlink, if f is SFTP: that Fs's
// Copy is the server's hard link, the one SFTP call that refuses to
// replace. nil for any other backend.
func openLinker(ctx context.Context, f fs.Fs) (fs.Fs, error) {
	if _, ok := f.(*sftp.Fs); !ok {
		return nil, nil
	}
	if f.Features().Copy != nil {
		return f, nil // already configured with copy_is_hardlink
	}
	return withOptions(ctx, f, "copy_is_hardlink=true")
}
