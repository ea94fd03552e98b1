package bus

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// MaxJobID is the longest job id a message may carry.
const MaxJobID = 128

// NewJobID returns a unique, sortable job id that is safe in subjects and keys.
func NewJobID(now time.Time) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// VerifyJobID names the verify job of some files of copy job id. Each verify
// job of a copy job has its own id, so its attempts and dead letters are its
// own; the same files give the same id, so a retried publish of the same
// group is a duplicate JetStream drops. OfJob recognises the ids.
func VerifyJobID(id string, files []File) string {
	suffix := "-" + filesDigest(files)
	return id[:min(len(id), MaxJobID-len(suffix))] + suffix
}

// OfJob reports whether job id recID is copy job id or one of its verify
// jobs (VerifyJobID).
func OfJob(recID, id string) bool {
	return recID == id || strings.HasPrefix(recID, id+"-")
}
