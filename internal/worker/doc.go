// Package worker runs the job loop the mover and the verifier share: decode a
// job, keep it alive while it progresses, then ack it, retry it with backoff,
// or dead-letter it. It counts attempts as failures a worker saw, recorded in
// the ledger, never as deliveries: a crash or restart costs a job nothing.
//
// A job's route and host are those of its subject, which NATS permissions
// protect; a body naming others is dead-lettered as invalid and never
// touches the ledger. A job of its subject's route and host that this worker
// refuses (a route or rules it lacks) fails its files once in the ledger, so
// the watcher does not announce them again.
//
// Routes are opened at start and again on each receive on Config.Reopen
// (rotated credentials); a job keeps the route it took at its start
// (LiveRoutes), so jobs in flight finish with the credentials they started
// with and new jobs take the new ones.
//
// It decides nothing about files; the role's handler does.
package worker
