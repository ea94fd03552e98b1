package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration written in YAML as "10s", "2m" or "1h30m".
type Duration time.Duration

// String formats d like time.Duration, without trailing zero units ("2m", "1h").
func (d Duration) String() string {
	s := time.Duration(d).String()
	if t, ok := strings.CutSuffix(s, "m0s"); ok {
		s = t + "m"
	}
	if t, ok := strings.CutSuffix(s, "h0m"); ok {
		s = t + "h"
	}
	return s
}

// MarshalYAML writes d as a duration string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML reads a duration string such as "90s" or "1h30m".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return typeError(n, "a duration must be a string such as \"10s\"")
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return typeError(n, "invalid duration %q (want e.g. \"10s\", \"2m\", \"1h30m\")", n.Value)
	}
	*d = Duration(v)
	return nil
}

// ByteSize is a number of bytes written in YAML as "8GiB", "500MB" or "1024".
type ByteSize int64

// byteUnits are tried largest first; the first that divides a size exactly names it.
var byteUnits = []struct {
	name string
	size int64
}{
	{"EiB", 1 << 60}, {"EB", 1e18}, {"PiB", 1 << 50}, {"PB", 1e15},
	{"TiB", 1 << 40}, {"TB", 1e12}, {"GiB", 1 << 30}, {"GB", 1e9},
	{"MiB", 1 << 20}, {"MB", 1e6}, {"KiB", 1 << 10}, {"kB", 1e3},
}

// String formats b exactly, in the largest unit that divides it ("8GiB",
// "500MB", "1500"), so that parsing the result gives b back.
func (b ByteSize) String() string {
	if b > 0 {
		for _, u := range byteUnits {
			if int64(b)%u.size == 0 {
				return strconv.FormatInt(int64(b)/u.size, 10) + u.name
			}
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

// MarshalYAML writes b as a size string, or as a number when no unit fits.
func (b ByteSize) MarshalYAML() (any, error) {
	if s := b.String(); s != strconv.FormatInt(int64(b), 10) {
		return s, nil
	}
	return int64(b), nil
}

// UnmarshalYAML reads a size such as "8GiB", "500MB", "1.5 KiB" or 1024.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return typeError(n, "a byte size must be a string such as \"8GiB\"")
	}
	v, err := humanize.ParseBytes(n.Value)
	if err != nil || v > math.MaxInt64 {
		return typeError(n, "invalid byte size %q (want e.g. \"8GiB\", \"500MB\", \"1024\")", n.Value)
	}
	*b = ByteSize(v)
	return nil
}

// typeError reports a bad value the way yaml.v3 does, so that the decoder
// collects it with every other problem instead of stopping at it.
func typeError(n *yaml.Node, format string, args ...any) error {
	return &yaml.TypeError{Errors: []string{
		fmt.Sprintf("line %d: %s", n.Line, fmt.Sprintf(format, args...)),
	}}
}
