package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/ferrydata/ferry/internal/relpath"
	rfs "github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/accounting"
)

// openHasher wraps remote in rclone's hasher backend, built from a
// connection string so nothing is added to (or lost on a reload of) the
// config file. ferry reads objects through it and hashes the bytes itself;
// it never trusts a hasher's cache (it fingerprints by size, modtime and at
// most the backend's own stored hash, so bytes changed in place still
// "match"). So the cache is off (max_age=0): it would cost a bolt
// transaction, fsynced, per file read and grow under state_dir for every
// file ever moved, for sums nobody may use.
func openHasher(ctx context.Context, remote string, t HashType) (rfs.Fs, error) {
	spec := fmt.Sprintf(":hasher,remote=%s,hashes=%s,max_age=0:", quote(remote), t)
	return rfs.NewFs(ctx, spec)
}

// quote makes s one value of an rclone connection string.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// ReadBack downloads rel in full and returns the size and hash of the bytes
// actually read, and the identity of the object they came from (see
// Identity): on S3 the GET's own (see readGET), elsewhere taken before the
// read and checked again after it, so the bytes belong to that object. The
// hash is never taken from Object.Hash, the hasher's cache, an S3 ETag or
// operations.CheckHashes: those can vouch for bytes that are no longer
// there, or for none at all. A missing object is fault.ErrNotFound
// (retryable: storage may be eventually consistent).
func (d *Destination) ReadBack(ctx context.Context, rel string, p *Progress) (sum Sum, id FileInfo, err error) {
	return d.ReadBackTo(ctx, rel, p, nil)
}

// ReadBackTo is ReadBack that also writes every byte it hashes to also (if
// not nil), in the same pass: the verifier's validators read the copy
// through it, not by a second download. An error from also fails the read.
func (d *Destination) ReadBackTo(ctx context.Context, rel string, p *Progress, also io.Writer) (sum Sum, id FileInfo, err error) {
	if err := relpath.Check(rel); err != nil {
		return Sum{}, FileInfo{}, err
	}
	obj, err := d.h.NewObject(ctx, rel)
	if err != nil {
		return Sum{}, FileInfo{}, readBackErr(rel, d, err)
	}
	if d.getS {
		return d.readGET(ctx, rel, obj, p, also)
	}
	id, err = objectIdentity(ctx, obj)
	if err != nil {
		return Sum{}, FileInfo{}, readBackErr(rel, d, err)
	}
	id.Path = rel
	sum, err = d.read(ctx, rel, obj, p, also)
	if err != nil {
		return Sum{}, FileInfo{}, err
	}
	after, err := d.Identity(ctx, rel)
	if err != nil {
		return Sum{}, FileInfo{}, err
	}
	if !id.SameObject(after) {
		// Retryable: the next read-back hashes whatever is there now.
		return Sum{}, FileInfo{}, fmt.Errorf("couldn't read back %s from %s: it changed while being read (%+v, then %+v)", rel, d, id, after)
	}
	return sum, id, nil
}

// readGET is ReadBack on S3: the identity is that of the GET's response
// (rclone's Open sets size, ETag and metadata from its headers), which
// describe the very bytes it carried, so no look before or after the read
// is needed to bind the two. The delete's last look compares the copy with
// this identity. obj is made without a HEAD where no_head_object reached
// the backend; where it did not (an alias), rclone HEADs first and the GET
// still overwrites what it saw.
func (d *Destination) readGET(ctx context.Context, rel string, obj rfs.Object, p *Progress, also io.Writer) (Sum, FileInfo, error) {
	sum, err := d.read(ctx, rel, obj, p, also)
	if err != nil {
		return Sum{}, FileInfo{}, err
	}
	id, err := objectIdentity(ctx, obj)
	if err != nil {
		return Sum{}, FileInfo{}, readBackErr(rel, d, err)
	}
	id.Path = rel
	return sum, id, nil
}

// read hashes all of obj.
func (d *Destination) read(ctx context.Context, rel string, obj rfs.Object, p *Progress, also io.Writer) (sum Sum, err error) {
	tr := accounting.Stats(ctx).NewTransfer(obj, nil)
	defer func() { tr.Done(ctx, err) }()
	// No range or seek option: the hasher and the backend see a whole read.
	rc, err := obj.Open(ctx)
	if err != nil {
		return Sum{}, readBackErr(rel, d, err)
	}
	in := tr.Account(ctx, rc)
	defer func() { _ = in.Close() }() // read-only: a close error can't change the bytes hashed
	sum, err = HashReaderTo(d.bw.reader(ctx, in, false), d.ht, p, also)
	if err != nil {
		return Sum{}, readBackErr(rel, d, err)
	}
	if sum.Size != obj.Size() {
		return Sum{}, fmt.Errorf("couldn't read back %s from %s: read %d bytes of %d", rel, d, sum.Size, obj.Size())
	}
	if sum.Hash == "" {
		return Sum{}, fmt.Errorf("couldn't read back %s from %s: no %s computed: %w", rel, d, d.ht, fault.ErrMissingHash)
	}
	return sum, nil
}

func readBackErr(rel string, d *Destination, err error) error {
	return fmt.Errorf("couldn't read back %s from %s: %w", rel, d, classify(err))
}

// classify adds the sentinel that decides retry or dead letter to a
// backend's error about one object.
func classify(err error) error {
	if errors.Is(err, rfs.ErrorObjectNotFound) || errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %w", err, fault.ErrNotFound)
	}
	if errors.Is(err, rfs.ErrorIsDir) || errors.Is(err, rfs.ErrorNotAFile) {
		return fmt.Errorf("%w: %w", err, fault.ErrConflict)
	}
	return err
}

// ReadHead reads the first n bytes of the object found (all of it if
// shorter) from the backend itself, not the hasher, and fails unless they
// all arrive. The verifier calls it with the source moved aside: a "copy"
// that is the source seen through a caching server or a FUSE mount may
// still answer a HEAD or an open from its cache, but reading bytes needs
// the file. It is no evidence of the bytes: ReadBack is.
func (f Found) ReadHead(ctx context.Context, n int64) error {
	want := min(n, f.obj.Size())
	if want <= 0 {
		return nil
	}
	rc, err := f.obj.Open(ctx, &rfs.RangeOption{Start: 0, End: want - 1})
	if err != nil {
		return fmt.Errorf("couldn't read the head of %s on %s: %w", f.rel, f.d, classify(err))
	}
	defer func() { _ = rc.Close() }()
	got, err := io.Copy(io.Discard, io.LimitReader(rc, want))
	if err == nil && got != want {
		err = fmt.Errorf("read %d of %d bytes", got, want)
	}
	if err != nil {
		return fmt.Errorf("couldn't read the head of %s on %s: %w", f.rel, f.d, err)
	}
	return nil
}
