package mover

import (
	"strings"
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
		{"one of this job's verify jobs is verifying it", &ledger.Record{State: ledger.Verifying, JobID: "job-2-0123456789abcdef"}, true},
		{"one of this job's verify jobs dead-lettered it", &ledger.Record{State: ledger.Failed, JobID: "job-2-0123456789abcdef"}, true},
		{"a verify job of another job dead-lettered it", &ledger.Record{State: ledger.Failed, JobID: "job-20-0123456789abcdef"}, false},
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

func TestVerifyJobID(t *testing.T) {
	a := []bus.File{{Path: "a", Size: 1}}
	b := []bus.File{{Path: "b", Size: 1}}
	long := strings.Repeat("x", 128)
	tests := []struct {
		name string
		id   string
	}{{"dispatcher's id", "20261202T031500-0123456789ab"}, {"longest id a job may have", long}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idA, idB := verifyJobID(tt.id, a), verifyJobID(tt.id, b)
			if idA == idB || idA != verifyJobID(tt.id, a) {
				t.Errorf("ids %q, %q: want one per set of files, the same for the same files", idA, idB)
			}
			if len(idA) > verifyJobIDMax {
				t.Errorf("id %q is longer than %d", idA, verifyJobIDMax)
			}
			if tt.id != long && !ofJob(idA, tt.id) {
				t.Errorf("ofJob(%q, %q) = false", idA, tt.id)
			}
		})
	}
}
