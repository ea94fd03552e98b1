package transfer

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/ferrydata/ferry/internal/fault"
)

// CheckStateDir refuses a state dir that is, resolves to or lies inside a
// route's local source, and a local source that is or lies inside the
// validators' spill directory: ferry removes what it finds in that
// directory at start (validate.CleanSpillDir), and its own files do not
// belong among a crawler's. Symlinks and bind mounts are followed as
// CheckOverlap follows them. Each refusal wraps fault.ErrOverlap. Init must
// have been called.
func CheckStateDir(stateDir, spillDir string, routes []RouteStorage) error {
	state, err := resolveAbs(stateDir)
	if err != nil {
		return fmt.Errorf("state_dir %s: %w", stateDir, err)
	}
	spill, err := resolveAbs(spillDir)
	if err != nil {
		return fmt.Errorf("the validators' spill directory %s: %w", spillDir, err)
	}
	var errs []error
	for _, r := range routes {
		places, dirs, err := resolveSpec(r.Source)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: couldn't resolve source %s: %w", r, r.Source, err))
			continue
		}
		for i, p := range places {
			if p.backend != "local" {
				continue
			}
			if how := localOverlap(state, false, dirs[i]); how != "" {
				errs = append(errs, fmt.Errorf("state_dir %s %s, the source of %s: ferry's own files "+
					"must be somewhere else: %w", stateDir, how, r, fault.ErrOverlap))
			}
			if how := localOverlap(spill, false, dirs[i]); how != "" {
				// A spill dir inside a source without the state dir (a
				// symlink). A bind mount of a source's subdirectory over it
				// looks like a plain directory: CleanSpillDir removes only
				// spill files for that reason.
				errs = append(errs, fmt.Errorf("the validators' spill directory %s %s, the source of %s, "+
					"and ferry empties it at start: %w", spillDir, how, r, fault.ErrOverlap))
			}
			if how := localOverlap(dirs[i], false, spill); how != "" {
				errs = append(errs, fmt.Errorf("the source of %s %s, the validators' spill directory, "+
					"which ferry empties at start: %w", r, how, fault.ErrOverlap))
			}
		}
	}
	return errors.Join(errs...)
}

func resolveAbs(p string) (localDir, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return localDir{}, err
	}
	return resolveLocal(abs)
}
