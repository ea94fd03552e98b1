package bus_test

import (
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/bus"
)

func TestVerifyJobID(t *testing.T) {
	a := []bus.File{{Path: "a", Size: 1}}
	b := []bus.File{{Path: "b", Size: 1}}
	long := strings.Repeat("x", bus.MaxJobID)
	tests := []struct {
		name string
		id   string
	}{{"dispatcher's id", "20261202T031500-0123456789ab"}, {"longest id a job may have", long}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idA, idB := bus.VerifyJobID(tt.id, a), bus.VerifyJobID(tt.id, b)
			if idA == idB || idA != bus.VerifyJobID(tt.id, a) {
				t.Errorf("ids %q, %q: want one per set of files, the same for the same files", idA, idB)
			}
			if len(idA) > bus.MaxJobID {
				t.Errorf("id %q is longer than %d", idA, bus.MaxJobID)
			}
			if tt.id != long && !bus.OfJob(idA, tt.id) {
				t.Errorf("OfJob(%q, %q) = false", idA, tt.id)
			}
		})
	}
}
