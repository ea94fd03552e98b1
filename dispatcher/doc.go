// Package dispatcher groups closed-file events into jobs per route and host:
// a job is flushed when it holds batch.files files, when the next file would
// pass batch.bytes (a larger file goes alone), or after batch.max_wait.
//
// It holds the events unacknowledged while it batches and acknowledges them
// only after the job is published, so a crash loses nothing. It never opens,
// copies or deletes a file.
//
// An event's route and host are those of its subject, which NATS permissions
// protect: a body naming others is dead-lettered as invalid and touches no
// ledger record. A file of a route it does not know is dead-lettered once and
// marked failed, so the watcher leaves it to an operator.
package dispatcher
