package config

import (
	"strings"
	"testing"
)

func TestValidateContent(t *testing.T) {
	tests := []struct {
		name string
		yaml string // the route's extra keys
		want string // "" means valid
	}{
		{"omitted: none, keep", "", ""},
		{"gzip and warc", "validate: [gzip, warc]", ""},
		{"every validator, flag", "validate: [nonempty, gzip, warc]\n    on_invalid: flag", ""},
		{"unknown validator", "validate: [gzip, zip]", `routes[0].validate: couldn't find validator "zip"`},
		{"validator twice", "validate: [warc, warc]", `routes[0].validate: validator "warc" is named twice`},
		{"on_invalid unknown", "on_invalid: delete", `routes[0].on_invalid: "delete" must be keep or flag`},
		{"on_invalid empty", `on_invalid: ""`, `routes[0].on_invalid: "" must be keep or flag`},
		{"validate before copy", "validate: [gzip, warc]\n    validate_before_copy: true", ""},
		{"validate before copy, nothing to run", "validate_before_copy: true",
			"routes[0].validate_before_copy: is true but validate names no validator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(minimal + "    " + tt.yaml + "\n"))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("want valid, got %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("want an error naming %q, got none", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
			if tt.yaml == "" && (c.Routes[0].OnInvalid != OnInvalidKeep || len(c.Routes[0].Validate) != 0) {
				t.Errorf("defaults: validate %v, on_invalid %q; want none, keep", c.Routes[0].Validate, c.Routes[0].OnInvalid)
			}
		})
	}
}
