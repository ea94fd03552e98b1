package transfer

import (
	"context"
	"fmt"
	"hash/crc32"
	"path"
	"time"

	"github.com/ferrydata/ferry/internal/fault"
	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/operations"
)

// uploadName is where Put writes rel first. A backend that writes in place
// (local, sftp) would leave a truncated file at rel if ferry were killed
// mid-upload, and every retry would then refuse to overwrite it
// (fault.ErrConflict). So, as rclone's own copy does, such a backend gets a
// partial name and a rename once the upload is complete. Backends that only
// ever create whole objects (S3, HDFS) write at rel directly.
func (d *Destination) uploadName(ctx context.Context, rel string, size int64, modTime time.Time) string {
	ft, ci := d.f.Features(), fs.GetConfig(ctx)
	if ci.Inplace || !ft.PartialUploads || ft.Move == nil {
		return rel
	}
	// Stable for one file, so a retry overwrites the partial a killed run
	// left instead of adding another.
	crc := crc32.ChecksumIEEE(fmt.Appendf(nil, "%s\x00%d\x00%d", rel, size, modTime.UnixNano()))
	suffix := fmt.Sprintf(".%08x%s", crc, ci.PartialSuffix)
	if len(path.Base(rel)) > 100 { // keep clear of NAME_MAX, as rclone does
		return operations.TruncateString(rel, len(rel)-len(suffix)) + suffix
	}
	return rel + suffix
}

// rename moves a complete upload from its partial name to rel. It looks
// once more for an object at rel, as the backend's Move would replace it.
func (d *Destination) rename(ctx context.Context, obj fs.Object, rel string) (fs.Object, error) {
	_, exists, err := d.Stat(ctx, rel)
	if err == nil && exists {
		err = fmt.Errorf("couldn't put %s on %s: an object appeared during the upload: %w", rel, d, fault.ErrConflict)
	}
	if err != nil {
		return nil, d.undo(ctx, obj, err)
	}
	moved, err := d.f.Features().Move(ctx, obj, rel)
	if err != nil {
		return nil, d.undo(ctx, obj, fmt.Errorf("couldn't rename the upload of %s on %s: %w", rel, d, err))
	}
	return moved, nil
}

// undo removes a copy Put has just made that must not stay, so it cannot
// pass for a good one later, and returns err.
func (d *Destination) undo(ctx context.Context, obj fs.Object, err error) error {
	if rmErr := obj.Remove(ctx); rmErr != nil {
		return fmt.Errorf("%w (and couldn't remove the copy: %v)", err, rmErr)
	}
	return err
}
