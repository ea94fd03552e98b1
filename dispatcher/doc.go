// Package dispatcher groups closed-file events into jobs per route and host:
// a job is flushed when it holds batch.files files, when the next file would
// pass batch.bytes (a larger file goes alone), or after batch.max_wait.
//
// It holds the events unacknowledged while it batches and acknowledges them
// only after the job is published, so a crash loses nothing. It never opens,
// copies or deletes a file.
package dispatcher
