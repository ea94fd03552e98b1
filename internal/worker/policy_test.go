package worker

import (
	"fmt"
	"testing"
	"time"
)

// The delay after a failed attempt, as configs/ferry.example.yaml documents
// retry.backoff: entry n after the nth failure, the last entry repeats, and
// an empty list means no delay.
func TestPolicyDelay(t *testing.T) {
	twoSteps := []time.Duration{time.Second, time.Minute}
	tests := []struct {
		backoff []time.Duration
		attempt int
		want    time.Duration
	}{
		{twoSteps, 0, time.Second}, // never below the first entry, never a panic
		{twoSteps, 1, time.Second},
		{twoSteps, 2, time.Minute},
		{twoSteps, 3, time.Minute},
		{twoSteps, 9, time.Minute},
		{nil, 1, 0},
		{[]time.Duration{}, 3, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v attempt %d", tt.backoff, tt.attempt), func(t *testing.T) {
			if got := (Policy{Backoff: tt.backoff}).Delay(tt.attempt); got != tt.want {
				t.Errorf("delay after attempt %d with backoff %v = %v, want %v", tt.attempt, tt.backoff, got, tt.want)
			}
		})
	}
}

// Waits that spend no attempt never poll NATS in a tight loop, even with
// "backoff: []".
func TestPolicyOutageWait(t *testing.T) {
	if got := (Policy{}).outageWait(); got != emptyBackoffOutageWait {
		t.Errorf("outage wait with no backoff = %v, want %v", got, emptyBackoffOutageWait)
	}
	if got := (Policy{Backoff: []time.Duration{200 * time.Millisecond, time.Minute}}).outageWait(); got != 200*time.Millisecond {
		t.Errorf("outage wait with backoff [200ms, 1m] = %v, want the first entry, 200ms", got)
	}
}
