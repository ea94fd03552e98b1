package transfer

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	rfs "github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/cache"
	"github.com/rclone/rclone/fs/object"
)

// ProbePrefix starts the name of every overlap probe object; no route's
// default rules match it.
const ProbePrefix = ".ferry-overlap-probe-"

// probeTimeout bounds one root's probe, so a hung remote cannot hang a
// daemon's start.
const probeTimeout = time.Minute

// probePair is a destination and a source the static check could not tell
// apart. reverse: the probe goes to the (remote) source and is looked for
// at the (local) destination.
type probePair struct {
	d, s    RouteStorage
	reverse bool
}

func (p probePair) written() string {
	if p.reverse {
		return p.s.Source
	}
	return p.d.Destination
}

func (p probePair) looked() string {
	if p.reverse {
		return p.d.Destination
	}
	return p.s.Source
}

// probeRoot writes a probe object at root, looks for it where each pair
// says, and removes it. A source ferry may not write to (read-only, with
// delete_source off) is probed the other way round.
func probeRoot(ctx context.Context, root string, pairs []probePair) (err error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	name := ProbePrefix + rand.Text()
	obj, err := putProbe(ctx, root, name)
	if err != nil && pairs[0].reverse {
		var errs []error
		for _, p := range pairs {
			p.reverse = false
			errs = append(errs, probeRoot(ctx, p.written(), []probePair{p}))
		}
		return errors.Join(errs...)
	}
	if err != nil {
		return fmt.Errorf("%s: couldn't write overlap probe %s to %s: %w", pairs[0].d, name, root, err)
	}
	defer func() {
		if rerr := obj.Remove(ctx); rerr != nil {
			err = errors.Join(err, fmt.Errorf("couldn't remove overlap probe %s from %s: %w", name, root, rerr))
		}
	}()
	var errs []error
	for _, p := range pairs {
		seen, err := sawProbe(ctx, p.looked(), name)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: couldn't look for an overlap probe from %s: %w", p.d, root, err))
		case seen && p.reverse:
			errs = append(errs, overlapError(p.d, p.s, "is the same storage (an object written to the source appeared there)"))
		case seen:
			errs = append(errs, overlapError(p.d, p.s, "is the same storage (an object written there appeared in the source)"))
		}
	}
	return errors.Join(errs...)
}

func putProbe(ctx context.Context, root, name string) (rfs.Object, error) {
	f, err := cache.Get(ctx, root)
	if err != nil {
		return nil, fmt.Errorf("couldn't open %s: %w", root, err)
	}
	body := []byte("ferry checks that a destination is not a source; it removes this object at once\n")
	return f.Put(ctx, bytes.NewReader(body), object.NewStaticObjectInfo(name, time.Now(), int64(len(body)), true, nil, f))
}

// sawProbe says whether object name is at the root of spec.
func sawProbe(ctx context.Context, spec, name string) (bool, error) {
	remote, err := isRemote(spec)
	if err != nil {
		return false, err
	}
	if !remote {
		_, err := os.Lstat(filepath.Join(spec, name))
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return err == nil, err
	}
	f, err := cache.Get(ctx, spec)
	if err != nil {
		return false, fmt.Errorf("couldn't open %s: %w", spec, err)
	}
	_, err = f.NewObject(ctx, name)
	switch {
	case errors.Is(err, rfs.ErrorObjectNotFound), errors.Is(err, rfs.ErrorDirNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("couldn't stat %s in %s: %w", name, spec, err)
	}
	return true, nil
}
