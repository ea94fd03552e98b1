// Package mover copies the files of a job from the route's source to its
// destination with rclone (through internal/transfer), on a host that can
// read them, and hands each file on to the verifier as soon as it is
// copied, while the rest of its job still uploads (handoff.go): a
// full-duplex link then uploads and reads back at once, whatever the batch
// size. A file of 1 MiB or more goes at once; smaller ones wait until the
// ready files hold 1 MiB or the job's last copy has ended, and files copied
// while a hand-on is being published go out together in the next verify
// job: small files travel in groups (the queue's cost stays per group),
// large files one by one. Each verify job has its own id (bus.VerifyJobID: the copy job's
// id and a digest of its files): its own attempts and dead letters, and the same id
// for the same files, so a retried publish is a duplicate JetStream drops.
// The copy job is acked once every file is handed on or has failed; a file
// whose hand-on failed is retried with the job.
//
// Only large files (ledger.SlowFileSize) are recorded Copied, so that a
// retried job hands them on without copying again (ledger.CopyTaskOf says
// what a file of a job still needs); a small file is copied
// again, which costs little and is safe: the final write never overwrites,
// and an identical copy counts as copied once both sides are hashed.
//
// A route with validate_before_copy runs its validators (internal/validate)
// on the source in a read of its own before the upload; under on_invalid
// keep a file they find broken is dead-lettered invalid_content, with their
// verdict, and never uploaded (validate.go).
//
// Destinations are immutable: a file already there with the same size and
// hash counts as copied; a different one is a conflict for an operator and is
// never overwritten. The mover never deletes anything.
package mover
