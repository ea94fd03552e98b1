package bus

import "strings"

// Streams, consumers and buckets ferry creates.
const (
	StreamClosed = "FERRY_CLOSED" // closed files, consumed by the dispatcher
	StreamJobs   = "FERRY_JOBS"   // jobs for the movers and the verifiers
	StreamDead   = "FERRY_DEAD"   // dead letters, kept for operators
	LedgerBucket = "ferry_ledger" // one record per file, one per job attempt count
)

// Stage names a step of the pipeline; it appears in subjects and dead letters.
type Stage string

// The stages a job goes through.
const (
	StageDispatch Stage = "dispatch"
	StageCopy     Stage = "copy"
	StageVerify   Stage = "verify"
)

// HostAny marks jobs any worker may take (remote sources).
const HostAny = "any"

// HostToken turns a host name into one subject token: host names carry dots.
func HostToken(host string) string {
	var b strings.Builder
	for _, r := range host {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

// ClosedSubject is where the watcher announces a closed file.
func ClosedSubject(route, host string) string {
	return "ferry.closed." + route + "." + HostToken(host)
}

// JobSubject is where a job waits for the given stage on the given host.
func JobSubject(stage Stage, route, host string) string {
	return "ferry." + string(stage) + "." + route + "." + HostToken(host)
}

// DeadSubject is where dead letters of a stage go. Route and host may come
// from a forged message: a subject longer than a NATS control line (4 KiB)
// would make the server close the connection.
func DeadSubject(stage Stage, route, host string) string {
	if !ValidToken(route) {
		route = "_invalid"
	}
	if len(host) > 255 {
		host = "_invalid"
	}
	return "ferry.dead." + string(stage) + "." + route + "." + HostToken(host)
}

// consumerName is the durable consumer a stage's workers on host share.
func consumerName(stage Stage, host string) string {
	return string(stage) + "-" + HostToken(host)
}
