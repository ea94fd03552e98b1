package ledger

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/ferrydata/ferry/internal/bus"
)

// The ledger's keys in the bus's key-value bucket (bus.LedgerBucket), which
// allows only [-/_=.a-zA-Z0-9] in a key:
//
//	file.<route>.<host token>.<hash of the path>   a file's Record
//	job.<stage>.<job id>                            a job's failed attempts at a stage
//
// The host token is bus.HostToken, which is injective, so two hosts never
// share a record; MigrateKeys moves records written under an older token.

// fileKey is a file's key: one per route, host and path, since two crawlers
// may write the same relative path. The path is hashed: it may hold any
// byte a key may not.
func fileKey(route, host, path string) string {
	sum := sha256.Sum256([]byte(path))
	return "file." + route + "." + bus.HostToken(host) + "." + hex.EncodeToString(sum[:16])
}

// FileKeys is the key filter matching every file record of one route, or
// of all routes ("").
func FileKeys(route string) string {
	if route == "" {
		return "file.>"
	}
	return "file." + route + ".>"
}

// attemptKey is where a job's failed attempts at a stage are counted.
func attemptKey(stage bus.Stage, jobID string) string { return "job." + string(stage) + "." + jobID }
