package transfer

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
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
// source inside a destination is fine. A local path with a ".." element is
// refused (fault.ErrInvalid): see refuseDotDot. What text and inodes
// cannot show, ProbeOverlap tries. Init must have been called.
func CheckOverlap(routes []RouteStorage) error {
	_, err := analyse(routes)
	return err
}

// resolved is one route's storage, resolved.
type resolved struct {
	RouteStorage
	src, dst []place
	srcDirs  []localDir // of src's local places, in order
	dstDirs  []localDir
}

// analyse checks every destination against every source and returns the
// pairs it did not refuse: text and inodes cannot prove two places apart
// (a symlink on an SFTP server, a FUSE view), so every one is probed.
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
	var unrefused []probePair
	for _, d := range all {
		for _, s := range all {
			if how := overlaps(d, s); how != "" {
				errs = append(errs, overlapError(d.RouteStorage, s.RouteStorage, how))
				continue
			}
			intoDst := allLocal(s.src) && !allLocal(d.dst)
			unrefused = append(unrefused, probePair{d: d.RouteStorage, s: s.RouteStorage, intoDestination: intoDst})
		}
	}
	return unrefused, errors.Join(errs...)
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
	for _, side := range []struct{ name, path string }{{"source", r.Source}, {"destination", r.Destination}} {
		if err := refuseDotDot(side.path); err != nil {
			return res, fmt.Errorf("%s: %s %s: %w", r, side.name, side.path, err)
		}
	}
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

// overlaps says how d's destination overlaps s's source, or "" if the
// config does not show it: only places named alike can be compared.
func overlaps(d, s resolved) string {
	for i, dp := range d.dst {
		for j, sp := range s.src {
			how := ""
			switch {
			case dp.backend == "local" && sp.backend == "local":
				how = localOverlap(d.dstDirs[i], dp.below, s.srcDirs[j])
			case dp.comparable(sp):
				how = remoteOverlap(dp, sp)
			}
			if how != "" {
				return how
			}
		}
	}
	return ""
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

// refuseDotDot refuses a local path with a ".." element. A local source is
// opened with os.OpenRoot, where the kernel takes ".." after following the
// symlinks before it (lnk/.. is lnk's target's parent), but rclone and the
// checks here clean ".." away as text first: the two would be different
// directories, and the checks would vouch for the wrong one.
func refuseDotDot(spec string) error {
	remote, err := isRemote(spec)
	if err != nil || remote {
		return err
	}
	if slices.Contains(strings.Split(filepath.ToSlash(spec), "/"), "..") {
		return fmt.Errorf(`has a ".." element, which the kernel and rclone read differently after a symlink: `+
			`write the path without "..": %w`, fault.ErrInvalid)
	}
	return nil
}
