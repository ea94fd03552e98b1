package transfer_test

import (
	"testing"

	"github.com/ferrydata/ferry/internal/transfer"
)

// ferry's own names never match a route, not even an include of "*": a
// file being deleted under its private name, and a start-up overlap probe.
func TestRulesNeverMatchFerrysOwnNames(t *testing.T) {
	rules, err := transfer.NewRules([]string{"*"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{
		"job/.ferry-rm-0123456789abcdef-a.warc.gz",
		transfer.ProbePrefix + "ABCDEFGH",
		"sub/" + transfer.ProbePrefix + "ABCDEFGH",
	} {
		if rules.Match(rel) {
			t.Errorf("Match(%q) = true, want false", rel)
		}
	}
	for _, rel := range []string{"job/a.warc.gz", ".ferry-rm-x", "ferry-overlap-probe-x"} {
		if !rules.Match(rel) {
			t.Errorf("Match(%q) = false, want true", rel)
		}
	}
}
