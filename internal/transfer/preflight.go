package transfer

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rclone/rclone/fs"
)

// PreflightDir is where Preflight writes its probe at a destination.
const PreflightDir = ".ferry-preflight"

// errEnough stops a walk after its first file.
var errEnough = errors.New("enough")

// ListSource lists src until its first file: the credentials may list it.
// found says whether it holds any file at all.
func ListSource(ctx context.Context, src Source) (found bool, err error) {
	err = src.Walk(ctx, func(FileInfo) error { found = true; return errEnough })
	if errors.Is(err, errEnough) {
		err = nil
	}
	return found, err
}

// ListDestination lists the root of the destination spec once: the
// credentials may list it. It opens spec as a directory, so rclone reports
// refused credentials as such (opening "bucket/dir" with them, rclone's S3
// backend cannot tell it from a file and says so). A bucket that does not
// exist is an error here, so the probe never makes one (rclone's S3
// backend creates a missing bucket on upload); a missing directory on a
// backend without buckets is fine: ferry creates it on the first upload.
func ListDestination(ctx context.Context, spec string) (entries int, err error) {
	f, err := fs.NewFs(ctx, strings.TrimSuffix(spec, "/")+"/")
	if err != nil {
		return 0, fmt.Errorf("couldn't open %s: %w", spec, err)
	}
	list, err := f.List(ctx, "")
	if errors.Is(err, fs.ErrorDirNotFound) && !f.Features().BucketBased {
		return 0, nil
	}
	if errors.Is(err, fs.ErrorDirNotFound) {
		return 0, fmt.Errorf("couldn't list %s: not found (a missing bucket? create it first): %w", spec, err)
	}
	if err != nil {
		return 0, fmt.Errorf("couldn't list %s: %w", spec, err)
	}
	return len(list), nil
}

// Probe writes a small object under PreflightDir as every copy is written
// (never overwriting), reads it back in full, compares the hashes and
// deletes it. It returns the probe's path for the report.
func (d *Destination) Probe(ctx context.Context) (rel string, err error) {
	rel = PreflightDir + "/probe-" + rand.Text()
	body := []byte("ferry preflight probe " + rel + "\n")
	put, err := d.Put(ctx, rel, bytes.NewReader(body), int64(len(body)), time.Now(), nil)
	if err != nil {
		return rel, fmt.Errorf("couldn't write the probe: %w", err)
	}
	defer func() {
		if rmErr := d.removeProbe(context.WithoutCancel(ctx), rel); rmErr != nil {
			err = errors.Join(err, rmErr)
		}
	}()
	got, _, err := d.ReadBack(ctx, rel, nil)
	if err != nil {
		return rel, fmt.Errorf("couldn't read the probe back: %w", err)
	}
	if got != put {
		return rel, fmt.Errorf("the probe read back as %s, written as %s", got.Hash, put.Hash)
	}
	return rel, nil
}

func (d *Destination) removeProbe(ctx context.Context, rel string) error {
	obj, err := d.f.NewObject(ctx, rel)
	if err == nil {
		err = obj.Remove(ctx)
	}
	if err != nil {
		return fmt.Errorf("couldn't delete the probe %s: %w", rel, err)
	}
	_ = d.f.Rmdir(ctx, PreflightDir) // best effort: some backends have no directories
	return nil
}
