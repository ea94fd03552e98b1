// Package dispatcher groups closed-file events into jobs per route and host:
// a job is flushed when it holds batch.files files, when the next file would
// pass batch.bytes (a larger file goes alone), when a mover of its host waits
// for work, or after batch.max_wait at the latest.
//
// Adaptive batching. Batches keep the per-file queue and ledger cost low, but
// a file batched on an idle pipeline only waits. So a waiting group goes at
// once when its host's movers have room, and fills only while they are busy.
// Room is read from the server, not guessed: every idle mover slot holds one
// pull request on the host's copy consumer, so the consumer's num_waiting,
// less the jobs queued there (num_pending) and the jobs this dispatcher sent
// since the reading, is the number of movers that would start the job now
// (batch.go, load.free); this relies on bus.Work pulling one job per idle
// worker, as it does. It holds in a multi-host deployment, where the
// dispatcher cannot know the movers' concurrency or whether they are up (no
// mover: no room, the files batch), and it needs no signal of a job's end.
// A reading is trusted for loadTTL (100ms), so a flood of events costs at most
// one info request per host and 100ms, and a freed mover is seen within about
// that; the count of jobs sent since keeps a burst within one reading from
// going out one file per job: while the movers are busy a burst forms full
// batches and only the remainder goes early, when a mover frees up. Readings
// are asked for in the background and their answer flushes, so a slow or
// refused request never stalls batching; a reading that fails counts as no
// room for 10s: files wait for a cap or max_wait, as they did before (the
// dispatcher's NATS user needs $JS.API.CONSUMER.INFO.FERRY_JOBS.*). Only the
// copy stage is read; verifiers busy with small jobs are not.
//
// Bounded memory. Full groups go out at once, so the dispatcher holds at most
// batch.files events per route and host, plus one pull of 256; a backlog of
// any size waits in the server's streams, not here. MaxAckPending (50000) is
// only the ceiling of routes x hosts x batch.files; past it groups go by
// max_wait. The readings are kept per host for loadTTL only.
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
