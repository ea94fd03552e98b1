// Package mover copies the files of a job from the route's source to its
// destination with rclone (through internal/transfer), on a host that can
// read them, then hands the job to the verifier.
//
// Destinations are immutable: a file already there with the same size and
// hash counts as copied; a different one is a conflict for an operator and is
// never overwritten. The mover never deletes anything.
package mover
