package main

import (
	"encoding/json"
	"testing"

	"github.com/ferrydata/ferry/internal/ledger"
)

// The tally counts each file of the run's routes once, by its last outcome.
func TestTallyCountsOutcomesOnce(t *testing.T) {
	rec := func(route, host string, state ledger.State, reason string) []byte {
		b, _ := json.Marshal(ledger.Record{Route: route, Host: host, State: state, Size: 10, Reason: reason})
		return b
	}
	type write struct {
		key string
		val []byte
	}
	cases := []struct {
		name                string
		writes              []write
		moved, failed, done int
	}{
		{"moved", []write{{"a", rec("r", "h", ledger.Copied, "")}, {"a", rec("r", "h", ledger.Moved, "")}}, 1, 0, 1},
		{"failed twice", []write{{"a", rec("r", "h", ledger.Failed, "x")}, {"a", rec("r", "h", ledger.Failed, "x")}}, 0, 1, 1},
		{"failed, then moved by a duplicate job", []write{{"a", rec("r", "h", ledger.Failed, "x")},
			{"a", rec("r", "h", ledger.Moved, "")}}, 1, 0, 1},
		{"another route or host", []write{{"a", rec("other", "h", ledger.Moved, "")}, {"b", rec("r", "any", ledger.Moved, "")}}, 0, 0, 0},
		{"not a record", []write{{"a", []byte("{")}}, 0, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tl := &tally{routes: map[string]string{"r": "h"}, failed: map[string]string{}, sum: summary{Reasons: map[string]int{}}}
			tl.expect(1)
			for _, w := range c.writes {
				tl.record(w.key, w.val)
			}
			s := tl.summary()
			if s.Moved != c.moved || s.Failed != c.failed || tl.doneSoFar() != c.done {
				t.Errorf("moved %d failed %d done %d; want %d %d %d", s.Moved, s.Failed, tl.doneSoFar(), c.moved, c.failed, c.done)
			}
			if want := c.done >= 1; tl.settled() != want {
				t.Errorf("settled = %v, want %v", tl.settled(), want)
			}
			if c.failed == 0 && len(s.Reasons) != 0 {
				t.Errorf("reasons %v left for no failed file", s.Reasons)
			}
		})
	}
}
