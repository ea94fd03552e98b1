package transfer

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

// A local Remove first renames the file to a private name in its own
// directory, QuarantinePrefix + 16 hex digits + "-" + the original name,
// checks that what it renamed is the file hashed, and only then unlinks it.
// Nothing but Remove ever creates such names; the watcher must never
// announce them (IsQuarantined), and a crash between the rename and the
// unlink leaves one behind for RestoreQuarantined to put back.
const QuarantinePrefix = ".ferry-rm-"

// QuarantineGrace is how long a quarantined file must have been there
// before RestoreQuarantined puts it back: a live Remove needs microseconds.
// Rename sets the file's ctime, so the age is measured from the rename.
const QuarantineGrace = time.Minute

const (
	quarantineID = 16  // hex digits
	nameMax      = 255 // bytes in a name (NAME_MAX)
)

// IsQuarantined reports whether name (a base name) is one of Remove's
// private names.
func IsQuarantined(name string) bool {
	_, ok := quarantinedName(name)
	return ok
}

// quarantinedName returns the original name behind a private one.
func quarantinedName(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, QuarantinePrefix)
	if !ok || len(rest) < quarantineID+2 || rest[quarantineID] != '-' {
		return "", false
	}
	if _, err := hex.DecodeString(rest[:quarantineID]); err != nil {
		return "", false
	}
	return rest[quarantineID+1:], true
}

// quarantineName returns a fresh private name for name, or false if it
// would be longer than a name may be.
func quarantineName(name string) (string, bool) {
	var id [quarantineID / 2]byte
	_, _ = rand.Read(id[:]) // never fails (crypto/rand)
	q := QuarantinePrefix + hex.EncodeToString(id[:]) + "-" + name
	return q, len(q) <= nameMax
}
