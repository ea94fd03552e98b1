package bus_test

import (
	"errors"
	"testing"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/fault"
)

func TestOrigin(t *testing.T) {
	tests := []struct {
		name, subject string
		job           bool
		want          bus.Origin
		ok            bool
	}{
		{"closed", bus.ClosedSubject("warcs", "c1.example.org"), false, bus.Origin{Route: "warcs", Host: "c1.example.org"}, true},
		{"copy", bus.JobSubject(bus.StageCopy, "warcs", "a_b"), true, bus.Origin{Route: "warcs", Host: "a_b"}, true},
		{"shared", bus.JobSubject(bus.StageCopy, "s3", bus.HostAny), true, bus.Origin{Route: "s3", Host: bus.HostAny}, true},
		{"a job on a closed subject", bus.JobSubject(bus.StageVerify, "warcs", "c1"), false, bus.Origin{}, false},
		{"closed on a job subject", bus.ClosedSubject("warcs", "c1"), true, bus.Origin{}, false},
		{"extra token", "ferry.closed.warcs.c1.x", false, bus.Origin{}, false},
		{"legacy token", "ferry.closed.warcs.c1_example_org", false, bus.Origin{}, false},
		{"not canonical", "ferry.closed.warcs._61", false, bus.Origin{}, false},
		{"empty host", "ferry.closed.warcs._", false, bus.Origin{}, false},
		{"bad route", "ferry.closed.w*.c1", false, bus.Origin{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got bus.Origin
			var err error
			if tt.job {
				got, err = bus.JobOrigin(bus.StageCopy, tt.subject)
			} else {
				got, err = bus.ClosedOrigin(tt.subject)
			}
			if tt.ok != (err == nil) || got != tt.want {
				t.Fatalf("origin of %q = %+v, %v; want %+v, ok %v", tt.subject, got, err, tt.want, tt.ok)
			}
			if err != nil && !errors.Is(err, fault.ErrInvalid) {
				t.Fatalf("error %v does not wrap fault.ErrInvalid", err)
			}
		})
	}
	o := bus.Origin{Route: "warcs", Host: "crawler01"}
	if err := o.Check("warcs", "crawler01"); err != nil {
		t.Errorf("Check of the subject's own route and host = %v", err)
	}
	for _, bad := range [][2]string{{"warcs", "crawler02"}, {"logs", "crawler01"}} {
		if err := o.Check(bad[0], bad[1]); !errors.Is(err, fault.ErrInvalid) {
			t.Errorf("Check(%q, %q) = %v, want fault.ErrInvalid", bad[0], bad[1], err)
		}
	}
}
