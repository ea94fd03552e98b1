package relpath

import (
	"errors"
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/fault"
)

func TestCheckRouteName(t *testing.T) {
	tests := []struct {
		name  string
		route string
		ok    bool
	}{
		{"plain", "warcs", true},
		{"dash underscore digit", "a-b_C9", true},
		{"64 characters", strings.Repeat("a", 64), true},
		{"empty", "", false},
		{"65 characters", strings.Repeat("a", 65), false},
		{"dot splits a subject", "a.b", false},
		{"wildcard", "*", false},
		{"full wildcard", ">", false},
		{"space", "a b", false},
		{"non-ASCII letter", "été", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckRouteName(tt.route)
			if tt.ok && err != nil {
				t.Fatalf("CheckRouteName(%q) = %v, want nil", tt.route, err)
			}
			if !tt.ok && !errors.Is(err, fault.ErrInvalid) {
				t.Fatalf("CheckRouteName(%q) = %v, want fault.ErrInvalid", tt.route, err)
			}
		})
	}
}
