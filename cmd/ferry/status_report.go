package main

import (
	"sort"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/ledger"
)

// statusReport is `ferry status --json` without paths; docs/status.md is
// its schema.
type statusReport struct {
	At     time.Time     `json:"at"`
	Routes []routeStatus `json:"routes"`
}

// routeStatus is one route on one source host.
type routeStatus struct {
	Route string               `json:"route"`
	Host  string               `json:"host"`
	Files map[ledger.State]int `json:"files"`
	// BytesMoved counts the verified files the ledger still holds (moved
	// records expire after ledger.keep).
	BytesMoved    int64                  `json:"bytes_moved"`
	Backlog       map[bus.Stage]backlogN `json:"backlog"`
	DeadLetters   int                    `json:"dead_letters"` // files in the dead letters
	OldestWaiting *waitingFile           `json:"oldest_waiting,omitempty"`
}

type backlogN struct {
	Pending uint64 `json:"pending"`
	Unacked uint64 `json:"unacked"`
}

// waitingFile is the file of a route and host longest in flight.
type waitingFile struct {
	Path       string       `json:"path"`
	State      ledger.State `json:"state"`
	Since      time.Time    `json:"since"` // when it was announced
	AgeSeconds float64      `json:"age_seconds"`
}

// statusTally builds a report from the ledger's records, the backlog and
// the dead letters, kept apart from reading them.
type statusTally struct {
	now    time.Time
	routes map[[2]string]*routeStatus
}

func newStatusTally(now time.Time) *statusTally {
	return &statusTally{now: now, routes: map[[2]string]*routeStatus{}}
}

func (t *statusTally) route(route, host string) *routeStatus {
	k := [2]string{route, host}
	if t.routes[k] == nil {
		t.routes[k] = &routeStatus{Route: route, Host: host, Files: map[ledger.State]int{},
			Backlog: map[bus.Stage]backlogN{bus.StageDispatch: {}, bus.StageCopy: {}, bus.StageVerify: {}}}
	}
	return t.routes[k]
}

func (t *statusTally) record(r *ledger.Record) {
	rs := t.route(r.Route, r.Host)
	rs.Files[r.State]++
	if r.State == ledger.Moved || r.State == ledger.Verified {
		rs.BytesMoved += r.Size
	}
	if r.State.Done() {
		return
	}
	if w := rs.OldestWaiting; w == nil || r.Created.Before(w.Since) {
		rs.OldestWaiting = &waitingFile{Path: r.Path, State: r.State, Since: r.Created,
			AgeSeconds: t.now.Sub(r.Created).Round(time.Second).Seconds()}
	}
}

func (t *statusTally) backlog(b bus.BacklogStat) {
	rs := t.route(b.Route, b.Host)
	n := rs.Backlog[b.Stage]
	n.Pending, n.Unacked = n.Pending+b.Pending, n.Unacked+b.Unacked
	rs.Backlog[b.Stage] = n
}

func (t *statusTally) dead(d bus.StoredDeadLetter) {
	if d.Route == "" {
		return // undecodable: no route to count it under (ferry dead list shows it)
	}
	t.route(d.Route, d.Host).DeadLetters += max(len(d.Files), 1)
}

// report lists routes by name, then host; only routes matching route if set.
func (t *statusTally) report(route string) statusReport {
	out := statusReport{At: t.now, Routes: []routeStatus{}}
	for _, rs := range t.routes {
		if route == "" || rs.Route == route {
			out.Routes = append(out.Routes, *rs)
		}
	}
	sort.Slice(out.Routes, func(i, j int) bool {
		a, b := out.Routes[i], out.Routes[j]
		return a.Route < b.Route || a.Route == b.Route && a.Host < b.Host
	})
	return out
}
