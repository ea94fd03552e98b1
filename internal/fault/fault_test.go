package fault

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		reason    string
		retryable bool
	}{
		{"nil", nil, "", false},
		{"conflict", ErrConflict, ReasonConflict, false},
		{"mismatch", ErrMismatch, ReasonMismatch, false},
		{"missing hash", ErrMissingHash, ReasonMissingHash, false},
		{"source changed", ErrSourceChanged, ReasonSourceChanged, false},
		{"source missing: a twin may have moved it", ErrSourceMissing, ReasonSourceMissing, true},
		{"invalid", ErrInvalid, ReasonInvalid, false},
		{"overlap", ErrOverlap, ReasonOverlap, false},
		{"invalid content", ErrInvalidContent, ReasonInvalidContent, false},
		{"source busy: the writer will finish", ErrSourceBusy, ReasonSourceBusy, true},
		{"not found may be eventual", ErrNotFound, ReasonError, true},
		{"nats unavailable", ErrUnavailable, ReasonError, true},
		{"cancelled: shutdown", context.Canceled, ReasonError, true},
		{"plain error", errors.New("disk on fire"), ReasonError, true},
		{"wrapped twice", fmt.Errorf("couldn't verify: %w", fmt.Errorf("read back: %w", ErrMismatch)), ReasonMismatch, false},
		{"joined: the first sentinel in Classify's order wins", errors.Join(ErrSourceBusy, ErrConflict), ReasonConflict, false},
		{"two %w: never retry what may not be", fmt.Errorf("%w: %w", ErrNotFound, ErrInvalid), ReasonInvalid, false},
	}
	known := map[string]bool{"": true} // nil has no reason
	for _, r := range Reasons() {
		known[r] = true
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reason, retryable := Classify(tt.err)
			if !known[reason] {
				t.Errorf("Classify(%v) = %q, not in Reasons()", tt.err, reason)
			}
			if reason != tt.reason || retryable != tt.retryable {
				t.Fatalf("Classify(%v) = %q, %v; want %q, %v", tt.err, reason, retryable, tt.reason, tt.retryable)
			}
		})
	}
}
