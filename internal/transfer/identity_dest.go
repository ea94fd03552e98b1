package transfer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/relpath"

	"github.com/rclone/rclone/backend/local"
	"github.com/rclone/rclone/backend/s3"
	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/hash"
)

// Identity is what rel at the destination is now: size, mtime and, where
// the backend has them, device/inode/ctime (local) or a tag (S3's stored
// MD5/ETag, an object ID). The delete's last check (the verifier's
// copyStays) compares it with the identity ReadBack returned: a copy
// replaced since it was read back (a second writer on a backend whose final
// write can't refuse to replace) is caught there. A missing object is
// fault.ErrNotFound.
func (d *Destination) Identity(ctx context.Context, rel string) (FileInfo, error) {
	found, err := d.Lookup(ctx, rel)
	return found.Info, err
}

// Found is an object at the destination as one lookup found it (one HEAD
// on S3), whose head can then be read without looking it up again.
type Found struct {
	Info FileInfo // as Identity gives it
	d    *Destination
	rel  string
	obj  fs.Object
}

// Lookup is Identity that also keeps the object found, for ReadHead.
func (d *Destination) Lookup(ctx context.Context, rel string) (Found, error) {
	if err := relpath.Check(rel); err != nil {
		return Found{}, err
	}
	obj, err := d.f.NewObject(ctx, rel)
	if err != nil {
		return Found{}, identityErr(rel, d, err)
	}
	fi, err := objectIdentity(ctx, obj)
	if err != nil {
		return Found{}, identityErr(rel, d, err)
	}
	return Found{Info: fi, d: d, rel: rel, obj: obj}, nil
}

func identityErr(rel string, d *Destination, err error) error {
	return fmt.Errorf("couldn't get the identity of %s on %s: %w", rel, d, classify(err))
}

// objectIdentity reads obj's identity from the innermost backend under any
// wrappers (hasher, crypt, chunker), never from a wrapper's cache. Nothing
// here reads the object's bytes: an SFTP hash, which runs md5sum on the
// server, is never asked for.
func objectIdentity(ctx context.Context, obj fs.Object) (FileInfo, error) {
	fi := FileInfo{Path: obj.Remote(), Size: obj.Size(), ModTime: obj.ModTime(ctx)}
	inner := fs.UnWrapObject(obj)
	if path, ok := localPath(obj); ok {
		st, err := openedStat(path)
		if err != nil {
			return FileInfo{}, err
		}
		fi.Dev, fi.Ino, fi.CTime = StatIdentity(st)
		// The file as it is now, not as rclone saw it when it made obj.
		fi.Size, fi.ModTime = st.Size(), st.ModTime()
	} else if _, ok := inner.Fs().(*s3.Fs); ok {
		fi.Tag = s3Tag(ctx, inner)
	}
	if id, ok := inner.(fs.IDer); ok && fi.Tag == "" && id.ID() != "" {
		fi.Tag = "id:" + id.ID()
	}
	return fi, nil
}

// s3Tag tells S3 objects apart by what the HEAD or GET already gave: the
// MD5 from the ETag or the md5chksum metadata (a multipart upload may have
// neither) and the server's upload time (btime, Last-Modified), which a
// rewrite changes even when the new bytes have the old size and mtime.
func s3Tag(ctx context.Context, o fs.Object) string {
	var parts []string
	if sum, err := o.Hash(ctx, hash.MD5); err == nil && sum != "" {
		parts = append(parts, "md5:"+sum)
	}
	if m, ok := o.(fs.Metadataer); ok {
		if meta, err := m.Metadata(ctx); err == nil && meta["btime"] != "" {
			parts = append(parts, "btime:"+meta["btime"])
		}
	}
	return strings.Join(parts, " ")
}

// openedStat is the stat of the regular file at path, taken from a
// descriptor opened without following a symlink. A symlink at the
// destination is never a copy: rclone would read the file it points to
// (perhaps the source itself) and report the link's own size. The open is
// a fresh lookup, too, where a stat may be answered from a FUSE cache (a
// bindfs view of the source that still shows a file moved aside).
func openedStat(path string) (os.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%s is a symlink, never a copy: %w", path, fault.ErrConflict)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file, never a copy: %w", path, fault.ErrConflict)
	}
	return st, nil
}

// localPath is the file on this machine behind obj, if its innermost
// backend (under hasher, crypt, chunker) is rclone's local one.
func localPath(obj fs.Object) (string, bool) {
	inner := fs.UnWrapObject(obj)
	if inner == nil {
		return "", false
	}
	f, ok := inner.Fs().(*local.Fs)
	if !ok {
		return "", false
	}
	return filepath.Join(filepath.FromSlash(f.Root()), filepath.FromSlash(inner.Remote())), true
}
