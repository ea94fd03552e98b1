package main

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// Every verified file gives one arrival event with its copy's place and
// the hash of its bytes (issue 9, item 4); a file that failed gives none.
func TestIntegrationArrivalEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	s := newSite(t, siteOptions{})
	want := map[string]string{} // path -> md5
	for i := range 7 {
		rel := fmt.Sprintf("job/WEB-%05d.warc.gz", i)
		data := randomBytes(t, 10_000+i)
		s.heritrixWrite(rel, data)
		sum := md5.Sum(data)
		want[rel] = hex.EncodeToString(sum[:])
	}
	s.ferryOK("run", "--once", "--timeout", "2m")
	events := s.movedEvents("*")
	seen := map[string]int{}
	for _, e := range events {
		seen[e.Path]++
		if e.Route != "warcs" || e.Host != "crawler01" || e.HashType != "md5" || e.Hash != want[e.Path] ||
			!e.SourceDeleted || e.Job == "" || e.Time.IsZero() || e.Destination != filepath.Join(s.dst, e.Path) {
			t.Errorf("event %+v; want md5 %s", e, want[e.Path])
		}
	}
	for rel := range want {
		if seen[rel] != 1 {
			t.Errorf("%s: %d events, want 1", rel, seen[rel])
		}
	}
	if len(events) != len(want) {
		t.Errorf("%d events for %d files", len(events), len(want))
	}
}

// A file verified while its route keeps sources counts as moved, not as
// deleted, and its arrival event says the source was kept.
func TestIntegrationKeptSourceIsNotCountedDeleted(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	s := newSite(t, siteOptions{routeExtra: "    delete_source: false\n"})
	data := randomBytes(t, 10_000)
	s.heritrixWrite("job/a.warc.gz", data)
	sys := startTestSystem(t, s)
	runRolesUntil(t, sys, []string{"dispatcher", "mover", "verifier"}, func() bool {
		return testutil.ToFloat64(sys.metrics.FilesMoved.WithLabelValues("warcs")) == 1
	})
	if n := testutil.ToFloat64(sys.metrics.FilesDeleted.WithLabelValues("warcs")); n != 0 {
		t.Errorf("ferry_files_deleted_total = %v for a kept source", n)
	}
	events, err := sys.bus.MovedEvents(context.Background(), "warcs")
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(data)
	if len(events) != 1 || events[0].SourceDeleted || events[0].Hash != hex.EncodeToString(sum[:]) {
		t.Fatalf("events %+v; want one, source kept", events)
	}
}
