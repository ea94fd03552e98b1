package bus_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/ferrydata/ferry/internal/bus"
)

func TestHostToken(t *testing.T) {
	tests := []struct{ host, want string }{
		{"h1", "h1"},
		{"crawler-1", "crawler-1"},
		{"crawler-1_b", "crawler-1_5fb"},
		{"crawler1.example.org", "crawler1_2eexample_2eorg"},
		{"", "_"},
		{"a b*>", "a_20b_2a_3e"},
		{"été", "_c3_a9t_c3_a9"},
		{"any", "any"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			got := bus.HostToken(tt.host)
			if got != tt.want {
				t.Errorf("HostToken(%q) = %q, want %q", tt.host, got, tt.want)
			}
			if !subjectToken.MatchString(got) {
				t.Errorf("HostToken(%q) = %q is not a subject token", tt.host, got)
			}
		})
	}
}

// subjectToken is what a token must be in subjects, consumer names and KV keys.
var subjectToken = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Two hosts must never share subjects, consumers or ledger keys
// (ledger keys: ledger.TestFileKeyTellsHostsApart).
func TestHostTokenTellsHostsApart(t *testing.T) {
	for _, pair := range [][2]string{{"a.b", "a_b"}, {"a_b", "a_5fb"}, {"a.b", "a_2eb"}, {"", "_"}, {"a b", "a_b"}} {
		if x, y := bus.HostToken(pair[0]), bus.HostToken(pair[1]); x == y {
			t.Errorf("HostToken(%q) = HostToken(%q) = %q", pair[0], pair[1], x)
		}
	}
}

// FuzzHostToken: HostToken is injective (HostFromToken undoes it), makes
// only subject-token characters, and HostFromToken accepts only its output.
func FuzzHostToken(f *testing.F) {
	for _, s := range []string{"a.b", "a_b", "", "_", "_5f", "crawler01", "été", "a\x00b"} {
		f.Add(s, "a_b")
	}
	f.Fuzz(func(t *testing.T, host, other string) {
		tok := bus.HostToken(host)
		if !subjectToken.MatchString(tok) {
			t.Fatalf("HostToken(%q) = %q is not a subject token", host, tok)
		}
		if host != other && tok == bus.HostToken(other) {
			t.Fatalf("HostToken(%q) = HostToken(%q) = %q", host, other, tok)
		}
		if back, err := bus.HostFromToken(tok); host != "" && (err != nil || back != host) {
			t.Fatalf("HostFromToken(HostToken(%q)) = %q, %v", host, back, err)
		}
		if back, err := bus.HostFromToken(other); err == nil && bus.HostToken(back) != other {
			t.Fatalf("HostFromToken(%q) = %q, whose token is %q", other, back, bus.HostToken(back))
		}
	})
}

func TestSubjects(t *testing.T) {
	tests := []struct{ name, got, want string }{
		{"closed", bus.ClosedSubject("warcs", "c1.example.org"), "ferry.closed.warcs.c1_2eexample_2eorg"},
		{"copy", bus.JobSubject(bus.StageCopy, "warcs", "c1"), "ferry.copy.warcs.c1"},
		{"verify shared", bus.JobSubject(bus.StageVerify, "s3in", bus.HostAny), "ferry.verify.s3in.any"},
		{"dead", bus.DeadSubject(bus.StageCopy, "warcs", "c1.x"), "ferry.dead.copy.warcs.c1_2ex"},
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
