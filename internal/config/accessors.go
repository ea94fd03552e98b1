package config

import (
	"path/filepath"
	"strings"
)

// Route returns the route with the given name.
func (c *Config) Route(name string) (*Route, bool) {
	for i := range c.Routes {
		if c.Routes[i].Name == name {
			return &c.Routes[i], true
		}
	}
	return nil, false
}

// NATSURLs splits nats.url at commas, trims spaces and drops empty entries.
// It returns nil when the embedded server is to be used.
func (c *Config) NATSURLs() []string {
	var urls []string
	for u := range strings.SplitSeq(c.NATS.URL, ",") {
		if u = strings.TrimSpace(u); u != "" {
			urls = append(urls, u)
		}
	}
	return urls
}

// JetStreamDir is where the JetStream store lives: state_dir/jetstream.
func (c *Config) JetStreamDir() string {
	return filepath.Join(c.StateDir, "jetstream")
}

// RcloneCacheDir is rclone's cache directory: state_dir/rclone.
func (c *Config) RcloneCacheDir() string {
	return filepath.Join(c.StateDir, "rclone")
}

// ValidateSpillDir is where content validators write the records too big
// to check in memory: state_dir/validate, not /tmp (often a small tmpfs).
func (c *Config) ValidateSpillDir() string {
	return filepath.Join(c.StateDir, "validate")
}
