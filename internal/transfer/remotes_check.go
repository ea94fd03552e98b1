package transfer

import (
	"fmt"
	"strings"

	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/fspath"
)

// UndefinedRemotes returns, for spec ("remote:path" or a local path), every
// remote it names, directly or through a wrapping remote's "remote" or
// "upstreams" option, that no config source defines: no secret, no config
// file, no RCLONE_CONFIG_<REMOTE>_TYPE. Each string names the remote and
// what refers to it. Init must have been called.
func UndefinedRemotes(spec string) []string {
	var out []string
	undefinedAt(spec, "", 0, map[string]bool{}, &out)
	return out
}

func undefinedAt(spec, via string, depth int, seen map[string]bool, out *[]string) {
	parsed, err := fspath.Parse(spec)
	if err != nil || parsed.Name == "" || depth > maxWrapping {
		return // a local path, or a problem the overlap check reports
	}
	name := parsed.Name
	if seen[name] {
		return
	}
	seen[name] = true
	m := fs.ConfigMap("", nil, name, parsed.Config)
	if !strings.HasPrefix(name, ":") {
		if _, ok := m.Get("type"); !ok {
			what := fmt.Sprintf("remote %q", name)
			if via != "" {
				what += fmt.Sprintf(" (wrapped by remote %q)", via)
			}
			*out = append(*out, what+" is defined by no config source (rclone.secrets, the rclone config file, "+
				fs.ConfigToEnv(name, "type")+")")
			return
		}
	}
	if inner, ok := m.Get("remote"); ok && inner != "" {
		undefinedAt(inner, name, depth+1, seen, out)
	}
	if ups, ok := m.Get("upstreams"); ok {
		for _, u := range strings.Fields(ups) {
			// union's "remote:path:ro", combine's "dir=remote:path".
			if _, after, found := strings.Cut(u, "="); found && !strings.Contains(u[:strings.Index(u, "=")], ":") {
				u = after
			}
			undefinedAt(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(u, ":ro"), ":nc"), ":writeback"), name, depth+1, seen, out)
		}
	}
}
