package mover

import (
	"testing"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/ledger"
)

func TestHandedOn(t *testing.T) {
	job := bus.Job{ID: "job-2"}
	tests := []struct {
		name string
		rec  *ledger.Record
		want bool
	}{
		{"no record", nil, false},
		{"moved by another job", &ledger.Record{State: ledger.Moved, JobID: "job-1"}, true},
		{"verified by another job", &ledger.Record{State: ledger.Verified, JobID: "job-1"}, true},
		{"copied by another job: copy again (its verify job may be lost)", &ledger.Record{State: ledger.Copied, JobID: "job-1"}, false},
		{"failed in another job: try again", &ledger.Record{State: ledger.Failed, JobID: "job-1"}, false},
		{"this job already verifying it", &ledger.Record{State: ledger.Verifying, JobID: "job-2"}, true},
		{"this job dead-lettered it", &ledger.Record{State: ledger.Failed, JobID: "job-2"}, true},
		{"this job was copying it when it died", &ledger.Record{State: ledger.Copying, JobID: "job-2"}, false},
		{"announced only", &ledger.Record{State: ledger.Closed}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := handedOn(tt.rec, job); got != tt.want {
				t.Fatalf("handedOn = %v, want %v", got, tt.want)
			}
		})
	}
}
