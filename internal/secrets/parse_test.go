package secrets

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  Remotes
	}{
		{"ini", "# keys\n[store]\ntype = s3\nsecret_access_key = s3cr3t=with=equals\n\n[disk]\ntype = local\n",
			Remotes{"store": {"type": "s3", "secret_access_key": "s3cr3t=with=equals"}, "disk": {"type": "local"}}},
		{"json", `{"store": {"type": "s3", "access_key_id": "AK", "port": 22, "env_auth": false}}`,
			Remotes{"store": {"type": "s3", "access_key_id": "AK", "port": "22", "env_auth": "false"}}},
		{"json with spaces first", "\n  {\"a\": {\"type\": \"local\"}}", Remotes{"a": {"type": "local"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.value)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Parse = %v, want %v", got, tt.want)
			}
			for name, opts := range tt.want {
				for k, v := range opts {
					if got[name][k] != v || len(got[name]) != len(opts) {
						t.Fatalf("Parse[%s] = %v, want %v", name, got[name], opts)
					}
				}
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct{ name, value, want string }{
		{"not key = value", "[x]\ntype = s3\nhunter2\n", "not an INI file"},
		{"key before a section", "secret = hunter2\n[x]\ntype = s3\n", "before the first"},
		{"no remote", "# nothing\n", "no remote"},
		{"no type", "[x]\nsecret_access_key = hunter2\n", `"x" has no type`},
		{"encrypted", "RCLONE_ENCRYPT_V0:\nhunter2", "encrypted"},
		{"bad json", `{"x": {"type": "s3", "secret": "hunter2"`, "not valid JSON"},
		{"json not nested", `{"x": "hunter2"}`, "not JSON of the form"},
		{"json nested too deep", `{"x": {"type": "s3", "secret": {"v": "hunter2"}}}`, `option "secret"`},
		{"json no type", `{"x": {"secret": "hunter2"}}`, "has no type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.value)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse = %v, want an error with %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestMergeRefusesARemoteDefinedTwice(t *testing.T) {
	var s Set
	if err := s.Merge("a", Remotes{"store": {"type": "s3"}, "disk": {"type": "local"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Merge("b", Remotes{"other": {"type": "s3"}}); err != nil {
		t.Fatal(err)
	}
	err := s.Merge("c", Remotes{"new": {"type": "s3"}, "store": {"type": "s3"}})
	if err == nil || !strings.Contains(err.Error(), `"store" is defined by secret "a" and by secret "c"`) {
		t.Fatalf("Merge = %v, want the duplicate named with both secrets", err)
	}
	if _, ok := s.Remotes["new"]; ok {
		t.Fatal("a refused secret's other remotes were merged")
	}
	if s.From["other"] != "b" || s.From["disk"] != "a" {
		t.Fatalf("From = %v", s.From)
	}
}
