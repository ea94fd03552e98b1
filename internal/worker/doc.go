// Package worker runs the job loop the mover and the verifier share: decode a
// job, keep it alive while it progresses, then ack it, retry it with backoff,
// or dead-letter it. It counts attempts as failures a worker saw, recorded in
// the ledger, never as deliveries: a crash or restart costs a job nothing.
//
// It decides nothing about files; the role's handler does.
package worker
