package ledger

import (
	"errors"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/validate"
)

// Checks is what a route's content validators (internal/validate) found in
// a file's bytes: the copy's read back by the verifier, or the source's
// before its upload. It is the bus's type, so arrival events and dead
// letters carry the same findings as the record.
type Checks = bus.Checks

// ChecksOf is the ledger's form of a validators' verdict (nil: none ran).
func ChecksOf(res *validate.Result) *Checks {
	if res == nil {
		return nil
	}
	c := &Checks{Ran: res.Ran, Valid: res.Valid()}
	if f := res.First; f != nil {
		c.Validator, c.Offset, c.Error = f.Validator, f.Offset, f.Err.Error()
	}
	return c
}

// InvalidChecks is the verdict err carries when validators found the file
// broken (a *validate.Invalid in its chain), or nil.
func InvalidChecks(err error) *Checks {
	var inv *validate.Invalid
	if !errors.As(err, &inv) {
		return nil
	}
	return ChecksOf(&inv.Result)
}
