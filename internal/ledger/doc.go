// Package ledger records where each file is, so `ferry status` can answer
// "where is my file?" and the watcher's rescan knows what is in flight.
//
// The ledger is a hint kept in the bus's key-value bucket. It never decides
// that a source may be deleted: only a fresh read-back hash does.
//
// It owns the state machine: the states a file goes through and the
// transitions Set allows (states.go: a final state is never undone by a
// late or duplicate job), and what each stage does with a file given its
// record (stages.go: ShouldAnnounce for the watcher, CopyTaskOf for the
// mover, ShouldVerify for the verifier), pure functions pinned together by
// one table test over state and stage. The roles ask; they never read a
// state to decide for themselves.
//
// Every write is a compare-and-set and fsynced. Files that reach a state
// together (a scan's backlog, a job's files) are written in one atomic
// batch (AnnounceAll, SetAll): one round trip and one fsync for them all.
// A batch that fails is redone one file at a time, so a batch never decides
// anything a single write would not.
//
// A moved file's record is kept for ledger.keep: its source is gone, so
// only an operator asking about it, or a late duplicate job, would read
// it, and without expiry the ledger grows with every file ever moved. It
// is archived (bus.StreamArchive) as it is written, and leaves the bucket
// after MovedHold (a per-record TTL): the bucket's server holds each live
// key in memory, the archive's only a few subjects. Lookup and Records read
// both. Records of files in flight, failed or verified with their source
// kept never expire: the watcher needs them to leave those files alone.
package ledger
