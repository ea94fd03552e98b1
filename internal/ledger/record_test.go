package ledger

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// However often a file fails and is replayed, its record stays bounded:
// the trail keeps TrailSteps steps with errors cut to TrailErrorBytes.
func TestTrailBoundsRecordSize(t *testing.T) {
	r := Record{Route: "warcs", Host: "crawler01.example.org", Path: strings.Repeat("d/", 60) + "WEB-00001.warc.gz"}
	for i := range 10 * TrailSteps {
		r.State, r.Updated = Failed, time.Date(2026, 12, 2, 6, 0, i, 123456789, time.UTC)
		r.JobID, r.Attempts = "20261202T061548-007f25064094", i
		r.Reason, r.LastError = "io", strings.Repeat("x", 10_000)
		r.step()
	}
	data, err := json.Marshal(r.Trail)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Trail) != TrailSteps || len(data) > 5_000 {
		t.Fatalf("trail of %d bytes with %d steps; want %d steps, at most 5000 bytes", len(data), len(r.Trail), TrailSteps)
	}
}
