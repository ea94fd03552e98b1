package relpath

import (
	"fmt"
	"regexp"

	"github.com/ferrydata/ferry/internal/fault"
)

// MaxRouteName bounds a route name: it is one token of every NATS subject a
// route's messages travel on, and the bus refuses longer tokens.
const MaxRouteName = 64

var routeName = regexp.MustCompile(fmt.Sprintf(`^[A-Za-z0-9_-]{1,%d}$`, MaxRouteName))

// CheckRouteName returns an error wrapping fault.ErrInvalid unless name is 1
// to MaxRouteName letters, digits, "_" or "-". Config validation and the bus
// both call it, so check-config refuses exactly what the daemon would.
func CheckRouteName(name string) error {
	if routeName.MatchString(name) {
		return nil
	}
	shown := name
	if len(shown) > MaxRouteName {
		shown = shown[:MaxRouteName] + "..."
	}
	return fmt.Errorf("%q must match %s (it is a NATS subject token): %w", shown, routeName, fault.ErrInvalid)
}
