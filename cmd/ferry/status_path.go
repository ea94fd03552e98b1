package main

import (
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/config"
	"github.com/ferrydata/ferry/internal/ledger"
)

// fileStatus is `ferry status --json PATH...`: one per record found.
type fileStatus struct {
	Query   string        `json:"query"` // the PATH given
	Record  ledger.Record `json:"record"`
	History []historyStep `json:"history"`
}

// historyStep is one thing that happened to a file: a step of the record's
// trail (each state it reached), or a dead letter naming it. A record
// written before trails existed has only its creation and its state now,
// filled in by dead letters and arrival events.
type historyStep struct {
	Time     time.Time `json:"time"`
	Event    string    `json:"event"` // a state (closed, copied, moved, failed, replayed, ...), or dead-lettered, announced, "moved (arrival event)"
	Stage    string    `json:"stage,omitempty"`
	Job      string    `json:"job,omitempty"`
	Attempts int       `json:"attempts,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Error    string    `json:"error,omitempty"`
}

// pathMatcher says whether a record is the file an operator named: by its
// source path, its destination path (remote:path/rel or a local path), or
// a path relative to the route (also its trailing elements). A path under
// a route's source or destination names that route's file only; any other
// path matches records whose path it ends with (a source seen through
// another mount point) or that end with it.
func pathMatcher(routes []config.Route, arg string) func(*ledger.Record) bool {
	type exact struct{ route, rel string }
	var exacts []exact
	for _, r := range routes {
		if rel, ok := under(r.Source, arg); ok {
			exacts = append(exacts, exact{r.Name, rel})
		}
		if rel, ok := under(r.Destination, arg); ok {
			exacts = append(exacts, exact{r.Name, rel})
		}
	}
	if len(exacts) > 0 { // under a route's source or destination: that route's file only
		return func(rec *ledger.Record) bool {
			for _, e := range exacts {
				if rec.Route == e.route && rec.Path == e.rel {
					return true
				}
			}
			return false
		}
	}
	suffix := "/" + strings.TrimPrefix(filepath.ToSlash(arg), "/")
	return func(rec *ledger.Record) bool {
		return rec.Path == arg || strings.HasSuffix(rec.Path, suffix) || strings.HasSuffix(arg, "/"+rec.Path)
	}
}

// under returns path relative to root when path lies below it.
func under(root, path string) (string, bool) {
	if root == "" {
		return "", false
	}
	if !strings.Contains(root, ":") || strings.HasPrefix(root, "/") {
		root, path = filepath.Clean(root), filepath.Clean(path)
	}
	prefix := root
	if !strings.HasSuffix(prefix, "/") && !strings.HasSuffix(prefix, ":") {
		prefix += "/"
	}
	rel, ok := strings.CutPrefix(path, prefix)
	return filepath.ToSlash(rel), ok && rel != ""
}

// history puts a record's steps in time order, with the dead letters that
// name its file; a record without a trail also gets the arrival events.
func history(rec ledger.Record, dead []bus.StoredDeadLetter, events []bus.MovedEvent) []historyStep {
	var steps []historyStep
	for _, t := range rec.Trail {
		steps = append(steps, historyStep{Time: t.At, Event: string(t.State), Job: t.Job, Attempts: t.Attempt,
			Reason: t.Reason, Error: t.Error})
	}
	for _, d := range dead {
		if d.Route != rec.Route || d.Host != rec.Host {
			continue
		}
		for _, f := range d.Files {
			if f.File.Path == rec.Path {
				steps = append(steps, historyStep{Time: d.At, Event: "dead-lettered", Stage: d.Stage, Job: d.JobID,
					Attempts: d.Attempts, Reason: f.Reason, Error: f.Error})
			}
		}
	}
	if len(rec.Trail) == 0 {
		steps = append(steps, historyStep{Time: rec.Created, Event: "announced"})
		for _, e := range events {
			if e.Route == rec.Route && e.Host == rec.Host && e.Path == rec.Path {
				event := "verified"
				if e.SourceDeleted {
					event = "moved"
				}
				steps = append(steps, historyStep{Time: e.Time, Event: event + " (arrival event)", Job: e.Job})
			}
		}
		steps = append(steps, historyStep{Time: rec.Updated, Event: string(rec.State), Job: rec.JobID,
			Attempts: rec.Attempts, Reason: rec.Reason, Error: rec.LastError})
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].Time.Before(steps[j].Time) })
	return steps
}
