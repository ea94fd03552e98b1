package bus

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func TestUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"request timed out", fmt.Errorf("couldn't: %w", context.DeadlineExceeded), true},
		{"nats timeout", nats.ErrTimeout, true},
		{"no responders", nats.ErrNoResponders, true},
		{"cluster temporarily unavailable", &jetstream.APIError{Code: 503, ErrorCode: 10008}, true},
		{"meta leader lost", &jetstream.APIError{Code: 500, ErrorCode: 10009}, true},
		{"a stream created beside this daemon's create", &jetstream.APIError{Code: 400, ErrorCode: 10058}, true},
		{"the ledger's stream not yet known to the node asked", fmt.Errorf("%w: %w", errSetupRace, &jetstream.APIError{Code: 404, ErrorCode: 10059}), true},
		{"a stream not found outside set-up", &jetstream.APIError{Code: 404, ErrorCode: 10059}, false},
		{"too few servers for the replicas", &jetstream.APIError{Code: 503, ErrorCode: 10023}, false},
		{"a peer offline while the cluster starts", &jetstream.APIError{Code: 400, ErrorCode: 10005,
			Description: "no suitable peers for placement, peer offline"}, true},
		{"no peers for another reason", &jetstream.APIError{Code: 400, ErrorCode: 10005,
			Description: "no suitable peers for placement, insufficient storage"}, false},
		{"replicas on a single node", &jetstream.APIError{Code: 500, ErrorCode: 10074}, false},
		{"jetstream not enabled", jetstream.ErrJetStreamNotEnabled, false},
		{"stopped", context.Canceled, false},
		{"other", errors.New("boom"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Unavailable(tc.err); got != tc.want {
				t.Errorf("Unavailable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
