package ledger

import "slices"

// State is where a file is in the pipeline.
type State string

// The states of a file, in order. Moved and Verified are final; Failed waits
// for an operator. The values are stored in every record and shown by
// `ferry status`: they never change.
const (
	// Announced: the watcher found the file closed and announced it
	// (stored as "closed", the name it had first).
	Announced State = "closed"
	Batched   State = "batched"
	Copying   State = "copying"
	Copied    State = "copied"
	Verifying State = "verifying"
	Moved     State = "moved"    // verified, source deleted
	Verified  State = "verified" // verified, source kept (delete_source: false)
	Failed    State = "failed"   // dead-lettered
	// Replayed: an operator replayed the dead-lettered file; the watcher
	// announces it again if it is still on disk.
	Replayed State = "replayed"
)

// States returns every state, in pipeline order.
func States() []State {
	return []State{Announced, Batched, Copying, Copied, Verifying, Moved, Verified, Failed, Replayed}
}

// Done reports whether nothing more will happen to the file without an operator.
func (s State) Done() bool { return s == Moved || s == Verified || s == Failed }

// transitions lists, for each state, the states Set may move a record of
// the same version of the file to. The roles write states in pipeline
// order, but jobs are delivered at least once and may run twice at once,
// so a late or duplicate job may write any state: only a final state is
// protected. The two other writes are not Set's: Announce (to Announced)
// follows ShouldAnnounce, and Reset (an operator's replay) goes to Replayed
// from any state. A new version of the file starts a record of its own,
// whatever the old one's state.
var transitions = map[State][]State{
	Announced: States(), // in flight: a retry may go back (Verifying to Copying)
	Batched:   States(),
	Copying:   States(),
	Copied:    States(),
	Verifying: States(),
	Replayed:  States(),
	Moved:     nil,                       // the source is gone: a late or duplicate job changes nothing
	Verified:  {Moved},                   // its route deletes sources now
	Failed:    {Failed, Moved, Verified}, // a second dead letter updates the reason; a duplicate job succeeded
}

// mayChange says whether Set may move a record in state from to state to.
// A state this ferry does not know (written by a newer one) is taken as in
// flight.
func mayChange(from, to State) bool {
	next, known := transitions[from]
	return !known || slices.Contains(next, to)
}
