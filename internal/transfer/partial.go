package transfer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path"

	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/operations"
)

// uploadName is where Put writes rel first. A backend that writes in place
// (local, sftp, hdfs) would leave a truncated file at rel if ferry were
// killed mid-upload, and every retry would then refuse to overwrite it
// (fault.ErrConflict). So, as rclone's own copy does, such a backend gets a
// partial name and a rename once the upload is complete (see commit). Only a
// backend without a server-side Move is written at rel directly: these are
// whole-object stores (S3), where nothing appears at rel before the upload
// is complete.
//
// The name is random per attempt: two copy jobs of one file never share a
// partial, so neither can truncate the other's upload. A killed upload
// leaves its partial behind (Put's own errors remove it).
func (d *Destination) uploadName(ctx context.Context, rel string) string {
	ci := fs.GetConfig(ctx)
	if ci.Inplace || d.f.Features().Move == nil {
		return rel
	}
	var b [6]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	suffix := "." + hex.EncodeToString(b[:]) + ci.PartialSuffix
	if len(path.Base(rel)) > 100 { // keep clear of NAME_MAX, as rclone does
		return operations.TruncateString(rel, len(rel)-len(suffix)) + suffix
	}
	return rel + suffix
}

// undo removes a copy Put has just made that must not stay, so it cannot
// pass for a good one later, and returns err.
func (d *Destination) undo(ctx context.Context, obj fs.Object, err error) error {
	if rmErr := obj.Remove(ctx); rmErr != nil {
		return fmt.Errorf("%w (and couldn't remove the copy: %v)", err, rmErr)
	}
	return err
}
