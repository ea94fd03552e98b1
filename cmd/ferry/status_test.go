package main

import (
	"strings"
	"testing"
)

// `ferry status PATH` finds a moved file's record, and for a path the
// ledger does not know says that moved records expire after ledger.keep.
func TestIntegrationStatusOfMovedAndUnknownFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ferry; skipped under -short")
	}
	s := newSite(t, siteOptions{top: "ledger: {keep: 1h}"})
	s.heritrixWrite("job/warcs/WEB-1.warc.gz", []byte("warc"))
	s.ferryOK("run", "--once")
	code, out, errOut := s.runFerry("status", "WEB-1.warc.gz")
	if code != 0 || !strings.Contains(out, "moved") {
		t.Fatalf("status of a moved file: exit %d: %s %s", code, out, errOut)
	}
	code, out, errOut = s.runFerry("status", "WEB-2.warc.gz")
	if code == 0 || !strings.Contains(errOut, "ledger.keep (1h0m0s)") {
		t.Fatalf("status of an unknown file: exit %d: %s %s; want the ledger.keep explanation", code, out, errOut)
	}
}
