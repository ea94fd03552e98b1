package main

import (
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/config"
	"github.com/ferrydata/ferry/internal/ledger"
)

func TestPathMatcher(t *testing.T) {
	routes := []config.Route{
		{Name: "warcs", Source: "/data/heritrix/jobs", Destination: "s3:archive/warcs"},
		{Name: "logs", Source: "/data/heritrix/logs/", Destination: "/mnt/archive/logs"},
		{Name: "remote", Source: "sftp:crawler/out", Destination: "s3:archive/remote"},
	}
	rec := func(route, path string) *ledger.Record { return &ledger.Record{Route: route, Path: path} }
	for _, tc := range []struct {
		name string
		arg  string
		rec  *ledger.Record
		want bool
	}{
		{"absolute source path", "/data/heritrix/jobs/job/a.warc.gz", rec("warcs", "job/a.warc.gz"), true},
		{"absolute source path, unclean", "/data/heritrix//jobs/./job/a.warc.gz", rec("warcs", "job/a.warc.gz"), true},
		{"source with a trailing slash", "/data/heritrix/logs/crawl.log.cp00001", rec("logs", "crawl.log.cp00001"), true},
		{"destination remote path", "s3:archive/warcs/job/a.warc.gz", rec("warcs", "job/a.warc.gz"), true},
		{"local destination path", "/mnt/archive/logs/crawl.log.cp00001", rec("logs", "crawl.log.cp00001"), true},
		{"relative path", "job/a.warc.gz", rec("warcs", "job/a.warc.gz"), true},
		{"trailing elements", "a.warc.gz", rec("warcs", "job/a.warc.gz"), true},
		{"another file's name ends the same", "a.warc.gz", rec("warcs", "job/xa.warc.gz"), false},
		{"same relative path, other route", "s3:archive/warcs/job/a.warc.gz", rec("logs", "job/a.warc.gz"), false},
		{"through another mount point", "/mnt/crawler/jobs/job/a.warc.gz", rec("warcs", "job/a.warc.gz"), true},
		{"other file under the source", "/data/heritrix/jobs/job/b.warc.gz", rec("warcs", "job/a.warc.gz"), false},
		{"a sibling directory is not the source", "/data/heritrix/jobsold/a.warc.gz", rec("warcs", "old/a.warc.gz"), false},
		{"remote source path", "sftp:crawler/out/x.warc.gz", rec("remote", "x.warc.gz"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := pathMatcher(routes, tc.arg)(tc.rec); got != tc.want {
				t.Fatalf("pathMatcher(%q)(%s/%s) = %v, want %v", tc.arg, tc.rec.Route, tc.rec.Path, got, tc.want)
			}
		})
	}
}

func TestHistoryInTimeOrder(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	rec := ledger.Record{Route: "warcs", Host: "c1", Path: "job/a.warc.gz", State: ledger.Moved, JobID: "j2",
		Created: t0, Updated: t0.Add(3 * time.Minute)}
	dead := []bus.StoredDeadLetter{
		{Seq: 1, DeadLetter: bus.DeadLetter{Stage: "copy", JobID: "j1", Route: "warcs", Host: "c1", At: t0.Add(time.Minute),
			Files: []bus.DeadFile{{File: bus.File{Path: "job/a.warc.gz"}, Reason: "conflict", Error: "exists"}}}},
		{Seq: 2, DeadLetter: bus.DeadLetter{Stage: "copy", Route: "warcs", Host: "c2", At: t0,
			Files: []bus.DeadFile{{File: bus.File{Path: "job/a.warc.gz"}, Reason: "conflict"}}}}, // another host's file
	}
	events := []bus.MovedEvent{{Route: "warcs", Host: "c1", Path: "job/a.warc.gz", Job: "j2", SourceDeleted: true,
		Time: t0.Add(2 * time.Minute)}}
	got := history(rec, dead, events)
	want := []string{"announced", "dead-lettered", "moved (arrival event)", "moved"}
	if len(got) != len(want) {
		t.Fatalf("history %+v, want events %v", got, want)
	}
	for i, h := range got {
		if h.Event != want[i] {
			t.Errorf("step %d: %q, want %q", i, h.Event, want[i])
		}
	}
	if got[1].Reason != "conflict" || got[1].Job != "j1" || got[2].Job != "j2" {
		t.Errorf("steps lack their details: %+v", got)
	}
}

// A record with a trail shows its steps, and the dead letters naming it,
// in time order; arrival events are not repeated beside its moved step.
func TestHistoryFromTrail(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	rec := ledger.Record{Route: "warcs", Host: "c1", Path: "job/a.warc.gz", State: ledger.Moved, JobID: "j2",
		Created: t0, Updated: t0.Add(5 * time.Minute), Trail: []ledger.Step{
			{State: ledger.Announced, At: t0},
			{State: ledger.Failed, At: t0.Add(time.Minute), Job: "j1", Attempt: 3, Reason: "io", Error: "timeout"},
			{State: ledger.Replayed, At: t0.Add(3 * time.Minute)},
			{State: ledger.Announced, At: t0.Add(4 * time.Minute)},
			{State: ledger.Moved, At: t0.Add(5 * time.Minute), Job: "j2"},
		}}
	dead := []bus.StoredDeadLetter{{Seq: 1, DeadLetter: bus.DeadLetter{Stage: "copy", JobID: "j1", Route: "warcs",
		Host: "c1", At: t0.Add(2 * time.Minute), Files: []bus.DeadFile{{File: bus.File{Path: "job/a.warc.gz"}, Reason: "io"}}}}}
	events := []bus.MovedEvent{{Route: "warcs", Host: "c1", Path: "job/a.warc.gz", Job: "j2", SourceDeleted: true,
		Time: t0.Add(5 * time.Minute)}}
	got := history(rec, dead, events)
	var names []string
	for _, h := range got {
		names = append(names, h.Event)
	}
	want := []string{"closed", "failed", "dead-lettered", "replayed", "closed", "moved"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("history %v, want %v", names, want)
	}
	if f := got[1]; f.Job != "j1" || f.Attempts != 3 || f.Reason != "io" || f.Error != "timeout" {
		t.Errorf("failed step lacks its details: %+v", f)
	}
}

func TestStatusTally(t *testing.T) {
	now := time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	tally := newStatusTally(now)
	for _, r := range []ledger.Record{
		{Route: "warcs", Host: "c1", Path: "a", State: ledger.Moved, Size: 10},
		{Route: "warcs", Host: "c1", Path: "b", State: ledger.Verified, Size: 5},
		{Route: "warcs", Host: "c1", Path: "c", State: ledger.Copied, Created: now.Add(-time.Hour)},
		{Route: "warcs", Host: "c1", Path: "d", State: ledger.Announced, Created: now.Add(-2 * time.Hour)},
		{Route: "warcs", Host: "c1", Path: "e", State: ledger.Failed, Created: now.Add(-3 * time.Hour)},
		{Route: "warcs", Host: "c2", Path: "a", State: ledger.Announced, Created: now.Add(-time.Minute)},
	} {
		tally.record(&r)
	}
	tally.backlog(bus.BacklogStat{Stage: bus.StageCopy, Route: "warcs", Host: "c1", Pending: 2, Unacked: 1})
	tally.dead(bus.StoredDeadLetter{DeadLetter: bus.DeadLetter{Route: "warcs", Host: "c1",
		Files: []bus.DeadFile{{}, {}}}})
	tally.dead(bus.StoredDeadLetter{DeadLetter: bus.DeadLetter{Reason: "undecodable"}})
	report := tally.report("warcs")
	if len(report.Routes) != 2 || report.Routes[0].Host != "c1" || report.Routes[1].Host != "c2" {
		t.Fatalf("routes %+v", report.Routes)
	}
	c1 := report.Routes[0]
	if c1.BytesMoved != 15 || c1.Files[ledger.Announced] != 1 || c1.Files[ledger.Failed] != 1 || c1.DeadLetters != 2 ||
		c1.Backlog[bus.StageCopy] != (backlogN{Pending: 2, Unacked: 1}) {
		t.Errorf("c1 %+v", c1)
	}
	// The oldest file not done: failed files wait for an operator, not the queues.
	if w := c1.OldestWaiting; w == nil || w.Path != "d" || w.AgeSeconds != 7200 {
		t.Errorf("oldest waiting %+v, want d, 2h", w)
	}
	if len(tally.report("logs").Routes) != 0 {
		t.Error("--route logs reports warcs")
	}
}
