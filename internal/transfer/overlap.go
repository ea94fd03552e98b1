package transfer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ferrydata/ferry/internal/fault"
)

// RouteStorage is what the overlap checks need of one route.
type RouteStorage struct {
	Index       int // in the config's routes, for messages
	Name        string
	Source      string
	Destination string
}

func (r RouteStorage) String() string { return fmt.Sprintf("routes[%d] (%s)", r.Index, r.Name) }

// CheckOverlap refuses every destination that is, resolves to or lies
// inside its own route's source or any other route's: a copy there would
// be the source itself, and the verifier would delete the only copy after
// hashing it against itself. It follows symlinks and bind mounts of local
// paths and rclone's wrapping remotes (alias, hasher, chunker, crypt,
// union, combine) as far as the rclone config tells; it connects to
// nothing. Each refusal names both routes and wraps fault.ErrOverlap. A
// source inside a destination is fine. Init must have been called.
func CheckOverlap(routes []RouteStorage) error {
	_, err := analyse(routes)
	return err
}

// ProbeOverlap is CheckOverlap, then the start-up probe for the pairs it
// could not decide (a remote, say `rclone serve s3`, may serve a source
// directory): a uniquely named object is written at one root and looked for
// at the other, then removed. Seen is fault.ErrOverlap. The object is
// written on the remote side and looked for on the local one where the pair
// has one, because a server may cache its listings but a local lookup never
// does. The probe sees only roots: a remote destination inside a
// subdirectory of a source on another backend is not found.
func ProbeOverlap(ctx context.Context, routes []RouteStorage) error {
	pairs, err := analyse(routes)
	if err != nil {
		return err
	}
	// One probe per root written to, looked for wherever it might appear.
	var roots []string
	byRoot := map[string][]probePair{}
	for _, p := range pairs {
		root := p.written()
		if _, ok := byRoot[root]; !ok {
			roots = append(roots, root)
		}
		byRoot[root] = append(byRoot[root], p)
	}
	var errs []error
	for _, root := range roots {
		errs = append(errs, probeRoot(ctx, root, byRoot[root]))
	}
	return errors.Join(errs...)
}

// resolved is one route's storage, resolved.
type resolved struct {
	RouteStorage
	src, dst []place
	srcDirs  []localDir // of src's local places, in order
	dstDirs  []localDir
}

// analyse checks every destination against every source and returns the
// pairs it could not tell apart.
func analyse(routes []RouteStorage) ([]probePair, error) {
	all := make([]resolved, 0, len(routes))
	var errs []error
	for _, r := range routes {
		res, err := resolveRoute(r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		all = append(all, res)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var undecided []probePair
	for _, d := range all {
		for _, s := range all {
			how, decided := overlaps(d, s)
			if how != "" {
				errs = append(errs, overlapError(d.RouteStorage, s.RouteStorage, how))
			} else if !decided {
				reverse := allLocal(d.dst) && !allLocal(s.src)
				undecided = append(undecided, probePair{d: d.RouteStorage, s: s.RouteStorage, reverse: reverse})
			}
		}
	}
	return undecided, errors.Join(errs...)
}

func allLocal(places []place) bool {
	for _, p := range places {
		if p.backend != "local" {
			return false
		}
	}
	return true
}

func resolveRoute(r RouteStorage) (resolved, error) {
	res := resolved{RouteStorage: r}
	var err error
	if res.src, res.srcDirs, err = resolveSpec(r.Source); err != nil {
		return res, fmt.Errorf("%s: couldn't resolve source %s: %w", r, r.Source, err)
	}
	if res.dst, res.dstDirs, err = resolveSpec(r.Destination); err != nil {
		return res, fmt.Errorf("%s: couldn't resolve destination %s: %w", r, r.Destination, err)
	}
	return res, nil
}

// resolveSpec resolves spec to its places, and the local ones on disk.
func resolveSpec(spec string) ([]place, []localDir, error) {
	places, err := resolve(spec)
	if err != nil {
		return nil, nil, err
	}
	dirs := make([]localDir, len(places))
	for i, p := range places {
		if p.backend == "local" {
			if dirs[i], err = resolveLocal(p.path); err != nil {
				return nil, nil, err
			}
		}
	}
	return places, dirs, nil
}

// overlaps says how d's destination overlaps s's source ("" if it does not)
// and whether that was decided: only places named alike can be compared.
func overlaps(d, s resolved) (how string, decided bool) {
	decided = true
	for i, dp := range d.dst {
		for j, sp := range s.src {
			switch {
			case dp.backend == "local" && sp.backend == "local":
				how = localOverlap(d.dstDirs[i], dp.below, s.srcDirs[j])
			case dp.comparable(sp):
				how = remoteOverlap(dp, sp)
			default:
				decided = false
			}
			if how != "" {
				return how, true
			}
		}
	}
	return "", decided
}

func remoteOverlap(dst, src place) string {
	switch {
	case dst.path == src.path && !dst.below:
		return "resolves to " + src.String()
	case src.path == "" || (strings.HasPrefix(dst.path+"/", src.path+"/") && (dst.path != src.path || dst.below)):
		return "lies inside " + src.String()
	}
	return ""
}

// overlapError says what is wrong and why it matters, naming both routes:
// "routes[1] (b): destination /data/xlink resolves to /data/x, the source
// of routes[0] (a): a copy there would be the source itself".
func overlapError(d, s RouteStorage, how string) error {
	whose := fmt.Sprintf("the source %s of %s", s.Source, s)
	if d.Index == s.Index {
		whose = "its own source " + s.Source
	}
	why := "a copy there would be the source itself, and deleting the source would delete the copy"
	if strings.HasPrefix(how, "lies inside") {
		why = "copies would land among the source's files, to be moved and deleted as sources"
	}
	if how == "resolves to "+d.Destination { // nothing to resolve: say it plainly
		return fmt.Errorf("%s: destination %s is %s: %s: %w", d, d.Destination, whose, why, fault.ErrOverlap)
	}
	return fmt.Errorf("%s: destination %s %s, %s: %s: %w", d, d.Destination, how, whose, why, fault.ErrOverlap)
}
