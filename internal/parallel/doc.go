// Package parallel runs a loop's iterations at once, a bounded number at a
// time: the files of a job (mover, verifier, dispatcher) and a scan's
// ledger reads. It knows nothing of ferry; it must never import another
// ferry package.
package parallel
