package main

import (
	"bytes"
	"testing"

	"github.com/ferrydata/ferry/internal/validate/validatetest"
)

// A WARC cut mid-record on a route that flags invalid files is moved, and
// what the warc validator found (where, and why) is in `status --file`
// (text and JSON) and in its arrival event; a valid WARC's event says it
// was checked and valid (issue 12).
func TestIntegrationFlaggedFileStatusAndEvent(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream")
	}
	s := newSite(t, siteOptions{routeExtra: "    validate: [warc]\n    on_invalid: flag\n"})
	body := bytes.Repeat([]byte("<html>a crawled page</html>\n"), 300)
	warc := validatetest.Write(t, 4, body, true)
	s.heritrixWrite("job/good.warc.gz", warc.Data)
	s.heritrixWrite("job/cut.warc.gz", warc.Truncated())
	s.ferryOK("run", "--once", "--timeout", "2m")

	var files []fileStatus
	decode(t, s.ferryOK("status", "--json", "--file", "job/cut.warc.gz"), &files)
	if len(files) != 1 {
		t.Fatalf("status --json --file job/cut.warc.gz: %+v", files)
	}
	c := files[0].Record.Checks
	if c == nil || c.Valid || c.Validator != "warc" || len(c.Ran) != 1 || c.Ran[0] != "warc" || c.Error == "" ||
		c.Offset != warc.Offsets[len(warc.Offsets)-1] {
		t.Fatalf("checks of the cut WARC %+v; want warc invalid at the last record, offset %d",
			c, warc.Offsets[len(warc.Offsets)-1])
	}
	mustContain(t, s.ferryOK("status", "--file", "job/cut.warc.gz"), "checks warc: INVALID (warc at offset")
	mustContain(t, s.ferryOK("status", "job/good.warc.gz"), "checks warc: valid")

	events := s.movedEvents("warcs")
	got := map[string]string{}
	for _, e := range events {
		switch {
		case e.Checks == nil:
			got[e.Path] = "no checks"
		case e.Checks.Valid:
			got[e.Path] = "valid"
		default:
			got[e.Path] = e.Checks.Validator + " invalid: " + e.Checks.Error
			if e.Checks.Offset != c.Offset || e.Checks.Error != c.Error {
				t.Errorf("event's checks %+v differ from the record's %+v", e.Checks, c)
			}
		}
	}
	if len(events) != 2 || got["job/good.warc.gz"] != "valid" || got["job/cut.warc.gz"] == "" ||
		got["job/cut.warc.gz"] == "valid" || got["job/cut.warc.gz"] == "no checks" {
		t.Fatalf("events' checks %v; want the good one valid and the cut one invalid", got)
	}
}
