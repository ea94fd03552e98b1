// Package config owns ferry's configuration file: its typed structure, the
// default of every key, strict YAML decoding and validation.
//
// Load and Parse decode strictly (an unknown key is an error), fill every
// omitted key with its default and then run Validate, which reports every
// problem at once, each naming its key ("routes[1].batch.files: ...").
// Default returns the same defaults without any route.
//
// An omitted key takes its default; a key given explicitly keeps its value,
// so "delete_source: false", "exclude: []" and "backoff: []" mean what they
// say. Exceptions: an empty host means os.Hostname(), an empty
// nats.server.name means the host, and an omitted min_age depends on the
// route's exclude: 0 when it excludes an in-progress suffix ("*.open", as
// Heritrix writes: a file gets its final name only when complete), else
// SafeMinAge (5m), because a writer that writes the final name in place
// (cp, curl -o, rsync --inplace) may pause longer than any settle time.
//
// rclone.secrets replaces the deprecated rclone.secret_id (and region
// replaces secret_region): a non-empty old key is still read into the new
// one, and Deprecations says what to write instead, for the CLI to log.
// The config names secrets only; no AWS key is ever a config key.
//
// Validate also refuses route hosts that make duplicate movers: host "any"
// needs a remote source, and a remote source needs host "any".
//
// The package only describes configuration. It must never open connections,
// create directories, touch routes' sources or destinations, or import
// rclone or NATS: glob syntax and remote names are checked where rclone is
// used.
package config
