package transfertest

import (
	"context"
	"fmt"

	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/filter"
	"github.com/rclone/rclone/fs/operations"
	"github.com/rclone/rclone/fs/sync"
)

// Recipe runs the peer baseline ferry is measured against, the UKWA recipe,
// as rclone library calls: `copy --no-traverse --immutable`, then
// `check --download --one-way`, then `move --checksum --no-traverse
// --immutable` through a hasher over the destination, each with the same
// includes. It is for benchmarks: upload and download alternate, and the
// move deletes on rclone's own say-so.
func Recipe(ctx context.Context, src, dst string, includes []string) error {
	fopt := filter.Opt
	fi, err := filter.NewFilter(&fopt)
	if err != nil {
		return err
	}
	for _, inc := range includes {
		if err := fi.Add(true, inc); err != nil {
			return fmt.Errorf("couldn't add include %q: %w", inc, err)
		}
	}
	if err := fi.Add(false, "*"); err != nil {
		return err
	}
	ctx = filter.ReplaceConfig(ctx, fi)
	ctx, ci := fs.AddConfig(ctx)
	ci.NoTraverse, ci.Immutable = true, true

	fsrc, err := fs.NewFs(ctx, src)
	if err != nil {
		return err
	}
	fdst, err := fs.NewFs(ctx, dst)
	if err != nil {
		return err
	}
	if err := sync.CopyDir(ctx, fdst, fsrc, false); err != nil {
		return fmt.Errorf("recipe copy: %w", err)
	}
	hdst, err := fs.NewFs(ctx, fmt.Sprintf(":hasher,remote='%s':", dst))
	if err != nil {
		return err
	}
	if err := operations.CheckDownload(ctx, &operations.CheckOpt{Fdst: hdst, Fsrc: fsrc, OneWay: true}); err != nil {
		return fmt.Errorf("recipe check: %w", err)
	}
	ci.CheckSum = true
	if err := sync.MoveDir(ctx, hdst, fsrc, false, false); err != nil {
		return fmt.Errorf("recipe move: %w", err)
	}
	return nil
}
