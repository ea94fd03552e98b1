package bus

import (
	"fmt"
	"strings"

	"github.com/ferrydata/ferry/internal/fault"
)

// Origin is the route and host a message's subject names. NATS permissions
// let a host publish only on its own subjects (configs/nats/authorization.conf),
// so these are what a role trusts; the body only repeats them.
type Origin struct {
	Route string
	Host  string
}

// ClosedOrigin reads route and host from a closed event's subject.
func ClosedOrigin(subject string) (Origin, error) { return origin("closed", subject) }

// JobOrigin reads route and host from the subject of a job for stage.
func JobOrigin(stage Stage, subject string) (Origin, error) { return origin(string(stage), subject) }

func origin(kind, subject string) (Origin, error) {
	parts := strings.Split(subject, ".")
	if len(parts) != 4 || parts[0] != "ferry" || parts[1] != kind || !ValidToken(parts[2]) {
		return Origin{}, fmt.Errorf("subject %q is not ferry.%s.<route>.<host>: %w", clip(subject), kind, fault.ErrInvalid)
	}
	host, err := HostFromToken(parts[3])
	if err != nil {
		return Origin{}, fmt.Errorf("subject %q: %w", clip(subject), err)
	}
	return Origin{Route: parts[2], Host: host}, nil
}

// Check refuses a body that names another route or host than its subject:
// a host announcing, or a worker forwarding, another host's file.
func (o Origin) Check(route, host string) error {
	if route != o.Route || host != o.Host {
		return fmt.Errorf("message names route %q host %q but came on the subject of route %q host %q: %w",
			clip(route), clip(host), o.Route, clip(o.Host), fault.ErrInvalid)
	}
	return nil
}
