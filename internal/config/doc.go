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
// say. Exceptions: an empty host means os.Hostname(), and an empty
// nats.server.name means the host.
//
// The package only describes configuration. It must never open connections,
// create directories, touch routes' sources or destinations, or import
// rclone or NATS: glob syntax and remote names are checked where rclone is
// used.
package config
