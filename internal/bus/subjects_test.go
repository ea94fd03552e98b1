package bus_test

import (
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/bus"
)

func TestHostToken(t *testing.T) {
	tests := []struct{ host, want string }{
		{"h1", "h1"},
		{"crawler-1_b", "crawler-1_b"},
		{"crawler1.example.org", "crawler1_example_org"},
		{"", "_"},
		{"a b*>", "a_b__"},
		{"été", "_t_"},
		{"any", "any"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			got := bus.HostToken(tt.host)
			if got != tt.want {
				t.Errorf("HostToken(%q) = %q, want %q", tt.host, got, tt.want)
			}
			if !bus.ValidToken(got) {
				t.Errorf("HostToken(%q) = %q is not a subject token", tt.host, got)
			}
		})
	}
}

func TestSubjects(t *testing.T) {
	tests := []struct{ name, got, want string }{
		{"closed", bus.ClosedSubject("warcs", "c1.example.org"), "ferry.closed.warcs.c1_example_org"},
		{"copy", bus.JobSubject(bus.StageCopy, "warcs", "c1"), "ferry.copy.warcs.c1"},
		{"verify shared", bus.JobSubject(bus.StageVerify, "s3in", bus.HostAny), "ferry.verify.s3in.any"},
		{"dead", bus.DeadSubject(bus.StageCopy, "warcs", "c1.x"), "ferry.dead.copy.warcs.c1_x"},
		{"dead bad route", bus.DeadSubject(bus.StageCopy, "a.b.>", "c1"), "ferry.dead.copy._invalid.c1"},
		{"dead empty", bus.DeadSubject(bus.StageVerify, "", ""), "ferry.dead.verify._invalid._"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("subject = %q, want %q", tt.got, tt.want)
			}
		})
	}
	// A forged host must not make a subject longer than a NATS control line.
	if s := bus.DeadSubject(bus.StageCopy, "warcs", strings.Repeat("h", 64<<10)); len(s) > 512 {
		t.Errorf("dead subject for a 64 KiB host is %d bytes long", len(s))
	}
}

func TestValidToken(t *testing.T) {
	tests := []struct {
		s  string
		ok bool
	}{
		{"warcs", true}, {"a-b_C9", true}, {strings.Repeat("a", 64), true},
		{"", false}, {"a.b", false}, {"*", false}, {">", false}, {"a b", false}, {strings.Repeat("a", 65), false},
	}
	for _, tt := range tests {
		if got := bus.ValidToken(tt.s); got != tt.ok {
			t.Errorf("ValidToken(%q) = %v, want %v", tt.s, got, tt.ok)
		}
	}
}
