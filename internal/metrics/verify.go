package metrics

import (
	"context"
	"errors"

	"github.com/ferrydata/ferry/internal/fault"
)

// VerifyReasons are the reasons a verification fails, as the verifier
// meets them: the series of ferry_verify_failures_total that can occur.
// io covers everything a retry may cure (a read, a stat, the network).
var VerifyReasons = []string{
	fault.ReasonMismatch, fault.ReasonMissingHash, fault.ReasonSourceChanged, fault.ReasonConflict,
	fault.ReasonOverlap, "io",
}

// VerifyReason names a verifier's error for ferry_verify_failures_total;
// ok is false for errors that are not the file's failure: a shutdown, NATS
// not answering, or a source a twin job already moved (retried, and
// dead-lettered as source_missing if it stays gone).
func VerifyReason(err error) (reason string, ok bool) {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, fault.ErrUnavailable) ||
		errors.Is(err, fault.ErrSourceMissing) {
		return "", false
	}
	reason, retry := fault.Classify(err)
	if retry {
		return "io", true
	}
	for _, r := range VerifyReasons {
		if r == reason {
			return reason, true
		}
	}
	return "io", true // invalid jobs never reach the verifier's files; count, never drop
}

// VerifyFailed counts one failed verification of a file of route.
func (m *Metrics) VerifyFailed(route string, err error) {
	if reason, ok := VerifyReason(err); ok {
		m.VerifyFailures.WithLabelValues(route, reason).Inc()
	}
}
