package bus

import (
	"fmt"
	"strings"

	"github.com/ferrydata/ferry/internal/fault"
)

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

// Stages are the stages in pipeline order; metrics create their series from
// this list.
func Stages() []Stage { return []Stage{StageDispatch, StageCopy, StageVerify} }

// HostAny marks jobs any worker may take (remote sources).
const HostAny = "any"

// HostToken turns a host name into one subject token, also used in consumer
// names and ledger keys. It is injective, so two hosts never share subjects,
// consumers or ledger records: [A-Za-z0-9-] stay as they are, every other
// byte becomes _ and two lowercase hex digits (_ itself is _5f, . is _2e).
// The empty name is "_", which no other name produces.
//
// Upgrading from the older token (every other byte became a bare _) changes
// the token of hosts whose names hold other bytes than [A-Za-z0-9-]. Their
// ledger records are then not found until ledger.MigrateKeys moves them
// (else the watcher announces their files on disk again, and a kept file is
// verified again). Closed events left on old subjects are dead-lettered as
// invalid; jobs left on old subjects reach no consumer and stay in
// FERRY_JOBS (counted by Backlog) until an admin runs DropLegacy, which
// purges them and deletes the old consumers copy-<old token> and
// verify-<old token>. Permissions naming such hosts must name the new token.
func HostToken(host string) string {
	if host == "" {
		return "_"
	}
	const digits = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(host))
	for i := 0; i < len(host); i++ {
		c := host[i]
		if literal(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('_')
			b.WriteByte(digits[c>>4])
			b.WriteByte(digits[c&0xf])
		}
	}
	return b.String()
}

func literal(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
}

// HostFromToken inverts HostToken; a token HostToken never makes is refused.
func HostFromToken(token string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(token); i++ {
		if token[i] != '_' {
			b.WriteByte(token[i])
			continue
		}
		if i+2 >= len(token) {
			return "", fmt.Errorf("host token %q: %w", clip(token), fault.ErrInvalid)
		}
		hi, lo := unhex(token[i+1]), unhex(token[i+2])
		if hi < 0 || lo < 0 {
			return "", fmt.Errorf("host token %q: %w", clip(token), fault.ErrInvalid)
		}
		b.WriteByte(byte(hi<<4 | lo))
		i += 2
	}
	host := b.String()
	if host == "" || HostToken(host) != token { // not canonical: "_61" for "a", or a stray byte
		return "", fmt.Errorf("host token %q: %w", clip(token), fault.ErrInvalid)
	}
	return host, nil
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
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
