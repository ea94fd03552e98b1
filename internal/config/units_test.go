package config

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestDurationRoundTrip(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		out  string
	}{
		{"0s", 0, "0s"},
		{"0", 0, "0s"},
		{"10s", 10 * time.Second, "10s"},
		{"2m", 2 * time.Minute, "2m"},
		{"1h", time.Hour, "1h"},
		{"1h30m", 90 * time.Minute, "1h30m"},
		{"90s", 90 * time.Second, "1m30s"},
		{"1.5s", 1500 * time.Millisecond, "1.5s"},
		{"250ms", 250 * time.Millisecond, "250ms"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var d Duration
			if err := yaml.Unmarshal([]byte(tt.in), &d); err != nil {
				t.Fatalf("unmarshal: %v", err)
			}
			if time.Duration(d) != tt.want {
				t.Fatalf("got %v, want %v", time.Duration(d), tt.want)
			}
			out, err := yaml.Marshal(d)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if got := strings.TrimSpace(string(out)); got != tt.out {
				t.Errorf("marshalled as %q, want %q", got, tt.out)
			}
			var back Duration
			if err := yaml.Unmarshal(out, &back); err != nil || back != d {
				t.Errorf("round trip gave %v, %v; want %v", back, err, d)
			}
		})
	}
}

func TestByteSizeRoundTrip(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		out  string
	}{
		{"0", 0, "0"},
		{"1024", 1024, "1KiB"},
		{"1500", 1500, "1500"},
		{"8GiB", 8 << 30, "8GiB"},
		{"8 GiB", 8 << 30, "8GiB"},
		{"500MB", 500e6, "500MB"},
		{"1.5KiB", 1536, "1536"},
		{"2kB", 2000, "2kB"},
		{"4000KiB", 4000 << 10, "4000KiB"},
		{"1TiB", 1 << 40, "1TiB"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var b ByteSize
			if err := yaml.Unmarshal([]byte(tt.in), &b); err != nil {
				t.Fatalf("unmarshal: %v", err)
			}
			if int64(b) != tt.want {
				t.Fatalf("got %d, want %d", b, tt.want)
			}
			out, err := yaml.Marshal(b)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if got := strings.TrimSpace(string(out)); got != tt.out {
				t.Errorf("marshalled as %q, want %q", got, tt.out)
			}
			var back ByteSize
			if err := yaml.Unmarshal(out, &back); err != nil || back != b {
				t.Errorf("round trip gave %d, %v; want %d", back, err, b)
			}
		})
	}
}

func TestUnitErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		into any
		want string
	}{
		{"duration without unit", "10", new(Duration), `invalid duration "10"`},
		{"duration word", "soon", new(Duration), `invalid duration "soon"`},
		{"duration list", "[1s]", new(Duration), "a duration must be a string"},
		{"size negative", "-1", new(ByteSize), `invalid byte size "-1"`},
		{"size unit", "8 parsecs", new(ByteSize), `invalid byte size "8 parsecs"`},
		{"size too large", "9EiB", new(ByteSize), `invalid byte size "9EiB"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := yaml.Unmarshal([]byte(tt.yaml), tt.into)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want one containing %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), "line 1") {
				t.Errorf("error %q does not give the line", err)
			}
		})
	}
}
