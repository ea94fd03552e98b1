package transfer

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/config/configmap"
	"github.com/rclone/rclone/fs/fspath"
)

// maxWrapping bounds how deep remotes may wrap remotes: deeper is a loop.
const maxWrapping = 8

// place is where a source or destination keeps its bytes, as far as the
// rclone config tells without connecting to anything.
type place struct {
	backend string // "local", or the type of the storage's rclone backend
	server  string // what names the storage (endpoint, host:port); "" for local
	path    string // cleaned; absolute for local
	below   bool   // somewhere strictly below path: crypt hides the names
}

func (p place) String() string {
	s := p.path
	if p.backend != "local" {
		s = fmt.Sprintf("%s %s:%s", p.backend, p.server, p.path)
	}
	if p.below {
		s += "/(encrypted names)"
	}
	return s
}

// comparable says whether a and b name their storage the same way, so that
// their paths alone tell whether they overlap.
func (p place) comparable(q place) bool {
	return p.backend == q.backend && p.server == q.server
}

// resolve follows spec through wrapping remotes (alias, hasher, chunker,
// crypt, union, combine) down to the places that hold its bytes: several
// for a union or a combine root.
func resolve(spec string) ([]place, error) {
	return resolveAt(spec, 0)
}

func resolveAt(spec string, depth int) ([]place, error) {
	if depth > maxWrapping {
		return nil, fmt.Errorf("remotes wrap each other more than %d deep at %s (a loop?)", maxWrapping, spec)
	}
	parsed, err := fspath.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("couldn't parse %q: %w", spec, err)
	}
	if parsed.Name == "" {
		return localPlace(parsed.Path)
	}
	typ, m, err := remoteConfig(parsed)
	if err != nil {
		return nil, err
	}
	get := func(key string) string { v, _ := m.Get(key); return v }
	p := parsed.Path
	switch typ {
	case "local":
		return localPlace(p)
	case "alias", "hasher", "chunker":
		return wrapped(parsed.Name, get("remote"), p, depth)
	case "crypt":
		if p == "" || get("filename_encryption") == "off" || get("directory_name_encryption") == "false" {
			return wrapped(parsed.Name, get("remote"), p, depth)
		}
		places, err := wrapped(parsed.Name, get("remote"), "", depth)
		for i := range places {
			places[i].below = true
		}
		return places, err
	case "union":
		return union(parsed.Name, get("upstreams"), p, depth)
	case "combine":
		return combine(parsed.Name, get("upstreams"), p, depth)
	case "sftp":
		return []place{{backend: typ, server: hostPort(get("host"), get("port"), "22"), path: homePath(p, get("user"))}}, nil
	case "hdfs":
		return []place{{backend: typ, server: strings.ToLower(get("namenode")), path: homePath(p, get("username"))}}, nil
	case "s3":
		server := get("provider") + " " + normEndpoint(get("endpoint"))
		if get("endpoint") == "" {
			server = get("provider") + " region " + get("region")
		}
		return []place{{backend: typ, server: server, path: cleanRemote(p)}}, nil
	}
	// A backend ferry cannot compare: only the same remote's paths can be.
	return []place{{backend: typ, server: parsed.ConfigString, path: cleanRemote(p)}}, nil
}

// remoteConfig returns a remote's backend type and its options, read as
// rclone reads them: connection string, environment, config file, defaults.
func remoteConfig(parsed fspath.Parsed) (string, configmap.Getter, error) {
	name, typ := parsed.Name, strings.TrimPrefix(parsed.Name, ":")
	if !strings.HasPrefix(name, ":") {
		t, ok := fs.ConfigMap("", nil, name, parsed.Config).Get("type")
		if !ok {
			return "", nil, fmt.Errorf("remote %q is not in the rclone config", name)
		}
		typ = t
	}
	var prefix string
	var options fs.Options
	// Backends ferry does not build in (alias, union, combine) still have
	// their config read: a config naming them must not slip through.
	if ri, err := fs.Find(typ); err == nil {
		prefix, options = ri.Prefix, ri.Options
	}
	return typ, fs.ConfigMap(prefix, options, name, parsed.Config), nil
}

func wrapped(name, inner, p string, depth int) ([]place, error) {
	if inner == "" {
		return nil, fmt.Errorf("remote %q wraps no remote", name)
	}
	return resolveAt(fspath.JoinRootPath(inner, p), depth+1)
}

// union writes to, and reads from, any of its upstreams: every one counts.
func union(name, upstreams, p string, depth int) ([]place, error) {
	var list fs.SpaceSepList
	if err := list.Set(upstreams); err != nil {
		return nil, fmt.Errorf("couldn't read upstreams of %q: %w", name, err)
	}
	var all []place
	for _, u := range list {
		for _, tag := range []string{":ro", ":nc", ":writeback"} {
			u = strings.TrimSuffix(u, tag)
		}
		places, err := wrapped(name, u, p, depth)
		if err != nil {
			return nil, err
		}
		all = append(all, places...)
	}
	return all, nil
}

// combine maps its top directories to upstreams ("dir=remote:path").
func combine(name, upstreams, p string, depth int) ([]place, error) {
	var list fs.SpaceSepList
	if err := list.Set(upstreams); err != nil {
		return nil, fmt.Errorf("couldn't read upstreams of %q: %w", name, err)
	}
	top, rest, _ := strings.Cut(strings.Trim(p, "/"), "/")
	var all []place
	for _, u := range list {
		dir, remote, ok := strings.Cut(u, "=")
		if !ok {
			return nil, fmt.Errorf("upstream %q of %q is not dir=remote", u, name)
		}
		if top != "" && dir != top {
			continue
		}
		sub := rest
		if top == "" {
			sub = ""
		}
		places, err := wrapped(name, remote, sub, depth)
		if err != nil {
			return nil, err
		}
		all = append(all, places...)
	}
	return all, nil
}

func localPlace(p string) ([]place, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, fmt.Errorf("couldn't make %q absolute: %w", p, err)
	}
	return []place{{backend: "local", path: abs}}, nil
}

// homePath makes a path relative to a login's home comparable with others.
func homePath(p, user string) string {
	if strings.HasPrefix(p, "/") {
		return path.Clean(p)
	}
	return path.Join("~"+user, p)
}

func cleanRemote(p string) string {
	return strings.Trim(path.Clean("/"+p), "/")
}

func hostPort(host, port, defaultPort string) string {
	if port == "" {
		port = defaultPort
	}
	return strings.ToLower(host) + ":" + port
}

func normEndpoint(e string) string {
	e = strings.ToLower(strings.TrimSpace(e))
	for _, scheme := range []string{"https://", "http://"} {
		e = strings.TrimPrefix(e, scheme)
	}
	return strings.TrimRight(e, "/")
}
