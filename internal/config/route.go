package config

import "strings"

// AnyHost as a route's host lets any worker take the route's jobs (remote sources).
const AnyHost = "any"

// Hash algorithms a route may use.
const (
	HashMD5    = "md5"
	HashSHA1   = "sha1"
	HashSHA256 = "sha256"
)

// Route moves the closed files of one source to one destination.
type Route struct {
	// Name is unique and a NATS subject token: ^[A-Za-z0-9_-]+$.
	Name string `yaml:"name"`
	// Source is a local directory or an rclone remote "name:path".
	Source string `yaml:"source"`
	// Destination is an rclone remote "name:path" or a local path.
	Destination string `yaml:"destination"`
	// Host that scans the source: empty for the config host (a local
	// source), AnyHost for any worker (a remote source). See RouteHost.
	Host string `yaml:"host"`
	// Include and Exclude are rclone glob patterns matched against file
	// paths relative to Source. A file is moved when it matches an include
	// pattern and no exclude pattern.
	Include []string `yaml:"include"`
	Exclude []string `yaml:"exclude"`
	// MinAge: a file must be unmodified for this long to count as closed.
	// Omitted, it is DefaultMinAge(Exclude): 0 when the writer renames files
	// into place, else SafeMinAge.
	MinAge Duration `yaml:"min_age"`
	// Hash is md5, sha1 or sha256.
	Hash string `yaml:"hash"`
	// DeleteSource says whether verified files are deleted from the source;
	// nil means true. Read it with DeletesSource.
	DeleteSource *bool `yaml:"delete_source"`
	Batch        Batch `yaml:"batch"`
	// Transfers is how many files of one job a mover copies, and a
	// verifier verifies, at once (rclone's --transfers), 1..MaxTransfers.
	Transfers int `yaml:"transfers"`
	// BwLimit limits the route's uploads and read-backs in bytes per
	// second, in rclone's --bwlimit syntax: "20M", "10M:50M" (upload:
	// download), a timetable "08:00,20M 19:00,off" or "Mon-08:00,5M
	// Sat-00:00,off". Empty or "off": no limit. Each direction is limited
	// on its own, per route and process; the syntax is checked where rclone
	// is used (check-config, and every mover and verifier at start).
	BwLimit string `yaml:"bwlimit"`
	// UploadWindow bounds the bytes of the route's files a mover uploads
	// at once (a larger file goes alone). Files uploaded side by side
	// finish together, and their read-backs would all start at the end;
	// uploaded a window at a time, each file's read-back overlaps the next
	// uploads, so a full-duplex link is busy both ways.
	UploadWindow ByteSize `yaml:"upload_window"`
	// Validate names the content checks (internal/validate) the verifier
	// runs on the bytes it reads back: gzip, warc, nonempty.
	Validate []string `yaml:"validate"`
	// OnInvalid is what happens to a file a validator finds broken:
	// OnInvalidKeep or OnInvalidFlag.
	OnInvalid string `yaml:"on_invalid"`
	// ValidateBeforeCopy also runs Validate on the source before the
	// upload, so that under OnInvalidKeep a broken file is never uploaded.
	// It costs one more read of the source; under OnInvalidFlag it does
	// nothing (the file is uploaded all the same).
	ValidateBeforeCopy bool `yaml:"validate_before_copy"`
}

// What a route does with a file its validators find broken.
const (
	// OnInvalidKeep keeps the source and dead-letters the file (invalid_content).
	OnInvalidKeep = "keep"
	// OnInvalidFlag moves it all the same, marked in the ledger.
	OnInvalidFlag = "flag"
)

// Batch bounds how many files the dispatcher puts in one job. A batch is sent
// when it reaches Files or Bytes, or when its first file has waited MaxWait.
type Batch struct {
	Files   int      `yaml:"files"`
	Bytes   ByteSize `yaml:"bytes"`
	MaxWait Duration `yaml:"max_wait"`
}

// UnmarshalYAML starts from DefaultRoute, so that keys omitted from a route
// keep their defaults while explicit values (even false or []) are kept. An
// omitted min_age depends on the route's exclude (see DefaultMinAge).
//
// It uses yaml.v3's older func-style Unmarshaler on purpose: that one decodes
// with the caller's decoder and so keeps KnownFields, where yaml.Node.Decode
// would silently accept unknown keys inside a route.
func (r *Route) UnmarshalYAML(unmarshal func(any) error) error {
	type route Route // without this method, to avoid recursion
	p := route(DefaultRoute())
	if err := unmarshal(&p); err != nil {
		return err
	}
	// A map accepts every key, so this second pass cannot trip KnownFields.
	var keys map[string]any
	if err := unmarshal(&keys); err != nil {
		return err
	}
	if _, set := keys["min_age"]; !set {
		p.MinAge = DefaultMinAge(p.Exclude)
	}
	*r = Route(p)
	return nil
}

// DeletesSource reports whether verified files are deleted from the source.
func (r *Route) DeletesSource() bool {
	return r.DeleteSource == nil || *r.DeleteSource
}

// RouteHost returns the host that scans the route: r.Host if set, else
// configHost. It may be AnyHost.
func (r *Route) RouteHost(configHost string) string {
	if r.Host != "" {
		return r.Host
	}
	return configHost
}

// RemoteSource reports whether Source names an rclone remote, read as rclone
// reads it: a ':' before any '/' ("name:path", ":backend:path"). rclone's
// ":local:" backend is a local directory all the same.
func (r *Route) RemoteSource() bool {
	i := strings.IndexAny(r.Source, ":/")
	if i < 0 || r.Source[i] != ':' {
		return false
	}
	return !strings.HasPrefix(r.Source, ":local:") && !strings.HasPrefix(r.Source, ":local,")
}
