package transfer

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/relpath"
	"github.com/rclone/rclone/backend/s3"
	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/accounting"
	"github.com/rclone/rclone/fs/cache"
	"github.com/rclone/rclone/fs/fspath"
	"github.com/rclone/rclone/fs/object"
)

// Destination is a route's long-term storage: any rclone remote.
type Destination struct {
	f    fs.Fs    // the remote itself: existence checks and the delete's last look
	up   fs.Fs    // f for uploads: on S3 without rclone's HEAD after each PUT (see s3Tuned)
	h    fs.Fs    // a hasher over f: read-backs (see ReadBack)
	getS bool     // h reads S3 with one GET, no HEAD first: ReadBack's identity is the GET's
	link fs.Fs    // SFTP only: f with hard links for Copy (see commit)
	ht   HashType // the hash Put and ReadBack compute
	bw   *BwLimit // the route's bandwidth limit, nil for none
}

// OpenDestination opens remote ("remote:path", or a local path) for files
// hashed with t. Init must have been called.
func OpenDestination(ctx context.Context, remote string, t HashType) (*Destination, error) {
	if _, err := t.new(); err != nil {
		return nil, err
	}
	f, err := cache.Get(ctx, remote)
	if errors.Is(err, fs.ErrorIsFile) {
		return nil, fmt.Errorf("couldn't open destination %q: it is a file: %w", remote, fault.ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("couldn't open destination %q: %w", remote, err)
	}
	up, readRemote := f, remote
	if _, direct := f.(*s3.Fs); direct {
		if up, err = cache.Get(ctx, s3Tuned(remote, "no_head")); err != nil {
			return nil, fmt.Errorf("couldn't open destination %q for uploads: %w", remote, err)
		}
		readRemote = s3Tuned(remote, "no_head_object")
	}
	h, err := openHasher(ctx, readRemote, t)
	if err != nil {
		return nil, fmt.Errorf("couldn't open hasher over destination %q: %w", remote, err)
	}
	link, err := openLinker(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("couldn't open destination %q for hard links: %w", remote, err)
	}
	d := &Destination{f: f, up: up, h: h, link: link, ht: t}
	_, d.getS = fs.UnWrapFs(h).(*s3.Fs)
	return d, nil
}

// s3Tuned is remote, an S3 remote, with the boolean backend option set,
// for the requests of a small file that nothing of ferry's needs:
//
//   - no_head: rclone's HEAD after each PUT checks the stored size. The
//     read-back checks every byte.
//   - no_head_object: the HEAD before each GET. The GET's own headers
//     describe the bytes it returns; ReadBack takes the copy's identity
//     from them (see getS).
//
// Existence checks and the delete's last look keep their HEADs: they open
// remote itself. Where the option cannot reach the S3 backend (an alias
// names it), rclone ignores it and the requests stay; nothing else changes.
func s3Tuned(remote, option string) string {
	p, err := fspath.Parse(remote)
	if err != nil || p.Name == "" {
		return remote
	}
	return strings.TrimSuffix(p.ConfigString, ":") + "," + option + "=true:" + p.Path
}

// SetBwLimit limits Put's uploads and ReadBack's downloads from now on;
// nil lifts the limit. Call it before the destination is used.
func (d *Destination) SetBwLimit(l *BwLimit) { d.bw = l }

// String names the destination without any credentials a connection string
// may have held.
func (d *Destination) String() string { return fs.ConfigString(d.f) }

// Stat says whether rel exists at the destination and its size.
func (d *Destination) Stat(ctx context.Context, rel string) (size int64, exists bool, err error) {
	if err := relpath.Check(rel); err != nil {
		return 0, false, err
	}
	obj, err := d.f.NewObject(ctx, rel)
	switch {
	case errors.Is(err, fs.ErrorObjectNotFound):
		return 0, false, nil
	case errors.Is(err, fs.ErrorIsDir), errors.Is(err, fs.ErrorNotAFile):
		// Whatever it is, a file can never be put there.
		return 0, false, fmt.Errorf("couldn't stat %s on %s: not a file: %w", rel, d, fault.ErrConflict)
	case err != nil:
		return 0, false, fmt.Errorf("couldn't stat %s on %s: %w", rel, d, err)
	}
	return obj.Size(), true, nil
}

// Put uploads exactly size bytes of r as rel with modTime and returns the Sum
// of the bytes it sent. It never overwrites: an existing rel is
// fault.ErrConflict, whether it was there before or another writer got
// there first during the upload; the final write itself refuses to replace
// where the backend allows it (see commit). Nothing appears at rel until the
// upload is whole (see uploadName). A source shorter or longer than size is
// fault.ErrSourceChanged, a stored size other than size fault.ErrMismatch,
// and in both cases no copy is left behind.
func (d *Destination) Put(ctx context.Context, rel string, r io.Reader, size int64, modTime time.Time, p *Progress) (sum Sum, err error) {
	if size < 0 {
		return Sum{}, fmt.Errorf("couldn't put %s: negative size %d: %w", rel, size, fault.ErrInvalid)
	}
	_, exists, err := d.Stat(ctx, rel)
	if err != nil {
		return Sum{}, err
	}
	if exists {
		return Sum{}, fmt.Errorf("couldn't put %s on %s: an object is already there: %w", rel, d, fault.ErrConflict)
	}
	h, _ := d.ht.new() // checked in OpenDestination
	sr := &sizedReader{r: r, size: size, left: size, h: h, p: p}
	tr := accounting.Stats(ctx).NewTransferRemoteSize(rel, size, nil, d.f)
	defer func() { tr.Done(ctx, err) }()
	in := tr.Account(ctx, io.NopCloser(d.bw.reader(ctx, sr, true)))
	name := d.uploadName(ctx, rel)
	var opts []fs.OpenOption
	if name == rel {
		opts = d.putOptions()
	}
	obj, err := d.up.Put(ctx, in, object.NewStaticObjectInfo(name, modTime, size, true, nil, d.up), opts...)
	switch {
	case err != nil && sr.err != nil:
		return Sum{}, fmt.Errorf("couldn't upload %s to %s: %w", rel, d, sr.err)
	case refused(err):
		return Sum{}, fmt.Errorf("couldn't put %s on %s: an object appeared during the upload: %w: %w", rel, d, err, fault.ErrConflict)
	case err != nil:
		return Sum{}, fmt.Errorf("couldn't upload %s to %s: %w", rel, d, err)
	}
	if err := sr.finish(); err != nil {
		return Sum{}, d.undo(ctx, obj, fmt.Errorf("couldn't upload %s to %s: %w", rel, d, err))
	}
	if obj.Size() != size {
		return Sum{}, d.undo(ctx, obj, fmt.Errorf("couldn't upload %s to %s: stored %d bytes, sent %d: %w", rel, d, obj.Size(), size, fault.ErrMismatch))
	}
	if name != rel {
		if err := d.commit(ctx, obj, rel); err != nil {
			return Sum{}, err
		}
	} else if err := d.Durable(ctx, rel); err != nil { // --inplace: written at its name
		return Sum{}, err
	}
	return Sum{Size: size, Hash: hex.EncodeToString(h.Sum(nil)), Type: d.ht}, nil
}
