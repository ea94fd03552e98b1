package ledger

import (
	"strings"
	"testing"
)

// TestTransitions pins, for every pair of states, whether Set may move a
// record of the same version from one to the other: a final state is never
// undone by a late or duplicate job; anything else may go anywhere.
func TestTransitions(t *testing.T) {
	const anywhere = "closed batched copying copied verifying moved verified failed replayed"
	want := map[State]string{
		Announced:                  anywhere,
		Batched:                    anywhere,
		Copying:                    anywhere,
		Copied:                     anywhere,
		Verifying:                  anywhere, // a retry copies again
		Replayed:                   anywhere,
		Moved:                      "",                      // a late duplicate job changes nothing
		Verified:                   "moved",                 // the route deletes sources now
		Failed:                     "moved verified failed", // a duplicate job succeeded; a second dead letter updates the reason
		"written by a newer ferry": anywhere,
	}
	for from, to := range want {
		var got []string
		for _, s := range States() {
			if mayChange(from, s) {
				got = append(got, string(s))
			}
		}
		if strings.Join(got, " ") != to {
			t.Errorf("from %s, Set may go to %q; want %q", from, strings.Join(got, " "), to)
		}
	}
	if len(want) != len(States())+1 {
		t.Errorf("want lists %d states, there are %d", len(want)-1, len(States()))
	}
}

func TestStateDone(t *testing.T) {
	want := map[State]bool{Announced: false, Batched: false, Copying: false, Copied: false,
		Verifying: false, Moved: true, Verified: true, Failed: true, Replayed: false}
	for _, s := range States() {
		if got, ok := want[s]; !ok || s.Done() != got {
			t.Errorf("%s.Done() = %v, want %v (listed: %v)", s, s.Done(), got, ok)
		}
	}
}
