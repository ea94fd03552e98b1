// Package ledger records where each file is, so `ferry status` can answer
// "where is my file?" and the watcher's rescan knows what is in flight.
//
// The ledger is a hint kept in the bus's key-value bucket. It never decides
// that a source may be deleted: only a fresh read-back hash does.
package ledger
