package ledger

import "github.com/ferrydata/ferry/internal/bus"

// Checks is what a route's content validators (internal/validate) found in
// the bytes of a file's copy, read back by the verifier. It is the bus's
// type, so arrival events carry the same findings as the record.
type Checks = bus.Checks
