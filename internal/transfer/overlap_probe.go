package transfer

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ProbePrefix starts the name of every overlap probe object; no route's
// default rules match it.
const ProbePrefix = ".ferry-overlap-probe-"

// probeTimeout bounds all of a start's probes together, so a hung remote
// cannot hang a daemon's start.
const probeTimeout = 2 * time.Minute

// removeTimeout bounds removing one probe object after its probe.
const removeTimeout = 10 * time.Second

// probePair is a destination and a source the static check did not refuse.
type probePair struct {
	d, s RouteStorage
	// intoDestination: the object goes to the destination and is looked
	// for at the source's root; otherwise it goes to the source's root and
	// is looked for at the destination and each of its parents.
	intoDestination bool
}

// written is where the pair's probe object goes.
func (p probePair) written() string {
	if p.intoDestination {
		return p.d.Destination
	}
	return p.s.Source
}

// ProbeOverlap is CheckOverlap, then a probe of every pair of a destination
// and a source it did not refuse, since text cannot tell two names of one
// directory apart (a symlink or bind mount on an SFTP server, `rclone serve
// s3` over a source, a bindfs or overlay view of a local source): a
// uniquely named object is written at one side, looked for at the other,
// and removed. Seen is fault.ErrOverlap, naming both routes.
//
// The object goes to the source's root and is looked for at the
// destination and each of its parents: a parent holding it is the source,
// so the destination lies inside it, and an overlay over the source shows
// what is added to its lower layer but keeps what is written to it. Where
// only the source is local, the object goes to the (remote) destination
// and is looked for at the source, because a server may cache its listings
// but a local lookup never does; so too where the source cannot be
// written (read-only), and then only a destination that is the source's
// root itself is found. Where neither side can be written the start fails,
// saying so. All probes together end within probeTimeout.
func ProbeOverlap(ctx context.Context, routes []RouteStorage) error {
	pairs, err := analyse(routes)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	var errs []error
	var retry []probePair
	refused := map[string]error{} // sources that refused the object, and why
	for _, group := range byWritten(pairs) {
		written, err := probeAt(ctx, group)
		if !written && !group[0].intoDestination {
			refused[group[0].s.Source] = err
			for _, p := range group {
				p.intoDestination = true
				retry = append(retry, p)
			}
			continue
		}
		errs = append(errs, err)
	}
	for _, group := range byWritten(retry) {
		written, err := probeAt(ctx, group)
		if !written { // neither side took the object: say why for both
			for _, p := range group {
				errs = append(errs, refused[p.s.Source])
				delete(refused, p.s.Source)
			}
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// byWritten groups pairs by where their object goes: one object per place.
func byWritten(pairs []probePair) [][]probePair {
	var groups [][]probePair
	at := map[string]int{}
	for _, p := range pairs {
		key := fmt.Sprint(p.intoDestination, p.written())
		i, ok := at[key]
		if !ok {
			i, at[key] = len(groups), len(groups)
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], p)
	}
	return groups
}

// probeAt writes one object where the group's pairs say, looks for it
// wherever each pair says, and removes it. written is false when the
// object could not be written; err then says why, naming the routes.
func probeAt(ctx context.Context, group []probePair) (written bool, err error) {
	first := group[0]
	root := first.written()
	obj, err := putProbe(ctx, root, !first.intoDestination)
	if err != nil {
		return false, fmt.Errorf("couldn't write an overlap probe to %s, to tell it from %s: %w", side(first, true), others(group), err)
	}
	defer func() {
		// Removed even when the probes ran out of time or were cancelled.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), removeTimeout)
		defer cancel()
		if rerr := obj.remove(rctx); rerr != nil {
			err = errors.Join(err, fmt.Errorf("couldn't remove overlap probe %s from %s: %w", obj.name, root, rerr))
		}
	}()
	var errs []error
	for _, p := range group {
		how, err := lookForProbe(ctx, p, obj)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: couldn't look for the overlap probe written to %s (for %s): %w", p.d, root, p.s, err))
		case how != "":
			errs = append(errs, overlapError(p.d, p.s, how))
		}
	}
	return true, errors.Join(errs...)
}

// side names where p's object goes (written) or is looked for.
func side(p probePair, written bool) string {
	if p.intoDestination == written {
		return fmt.Sprintf("the destination %s of %s", p.d.Destination, p.d)
	}
	return fmt.Sprintf("the source %s of %s", p.s.Source, p.s)
}

// others names, once each, the places where group's object is looked for.
func others(group []probePair) string {
	var names []string
	for _, p := range group {
		if n := side(p, false); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// lookForProbe says how p's destination overlaps its source if the probe
// object obj shows that it does, or "".
func lookForProbe(ctx context.Context, p probePair, obj *probeObject) (string, error) {
	name := obj.name
	if p.intoDestination {
		seen, err := sawProbe(ctx, p.s.Source, name)
		switch {
		case !seen || err != nil:
			return "", err
		case obj.above:
			return fmt.Sprintf("lies inside the source (an object written to %s appeared in the source)", obj.dir), nil
		}
		return "is the same storage (an object written there appeared in the source)", nil
	}
	dirs, err := withParents(p.d.Destination)
	if err != nil {
		return "", err
	}
	for i, dir := range dirs {
		seen, err := sawProbe(ctx, dir, name)
		switch {
		case err != nil && i == 0:
			return "", err
		case err != nil: // a parent that cannot be looked in (an S3 service root)
		case seen && i == 0:
			return "is the same storage (an object written to the source appeared there)", nil
		case seen:
			return fmt.Sprintf("lies inside the source (an object written to the source appeared in %s)", dir), nil
		}
	}
	return "", nil
}
