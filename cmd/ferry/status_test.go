package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/ledger"
)

// `ferry status PATH` finds a moved file's record, in the ledger bucket and,
// once it left the bucket (ledger.MovedHold), in the archive; the summary
// counts it once either way. For a path the ledger does not know it says
// that moved records expire after ledger.keep.
func TestIntegrationStatusOfMovedAndUnknownFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ferry; skipped under -short")
	}
	s := newSite(t, siteOptions{top: "ledger: {keep: 1h}"})
	s.heritrixWrite("job/warcs/WEB-1.warc.gz", []byte("warc"))
	s.ferryOK("run", "--once")
	for _, when := range []string{"in the bucket", "archived"} {
		if when == "archived" {
			// What the hold's expiry does, without waiting a minute for it.
			s.withBus(func(ctx context.Context, b *bus.Bus) error {
				var keys []string
				err := b.Ledger().Scan(ctx, ledger.FileKeys(""), func(key string, _ []byte) error {
					keys = append(keys, key)
					return nil
				})
				for _, k := range keys {
					err = errors.Join(err, b.Ledger().Delete(ctx, k))
				}
				if len(keys) != 1 {
					t.Fatalf("bucket keys: %v, want the moved file's", keys)
				}
				return err
			})
		}
		code, out, errOut := s.runFerry("status", "WEB-1.warc.gz")
		if code != 0 || !strings.Contains(out, "WEB-1.warc.gz (route warcs, host crawler01): moved") {
			t.Fatalf("status of a moved file %s: exit %d: %s %s", when, code, out, errOut)
		}
		code, out, errOut = s.runFerry("status")
		if code != 0 || !strings.Contains(out, "moved 1\n") {
			t.Fatalf("status summary with a moved file %s: exit %d: %s %s", when, code, out, errOut)
		}
	}
	code, out, errOut := s.runFerry("status", "WEB-2.warc.gz")
	if code == 0 || !strings.Contains(errOut, "ledger.keep (1h0m0s)") {
		t.Fatalf("status of an unknown file: exit %d: %s %s; want the ledger.keep explanation", code, out, errOut)
	}
}
