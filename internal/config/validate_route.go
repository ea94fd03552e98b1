package config

import (
	"fmt"
	"strings"

	"github.com/ferrydata/ferry/internal/relpath"
)

// validate checks one route; key is its prefix ("routes[0]") and ackWait
// bounds batch.max_wait, because the dispatcher holds messages unacked while
// it fills a batch.
func (r *Route) validate(p *problems, key string, ackWait Duration) {
	switch {
	case r.Name == "":
		p.addf(key+".name", "must not be empty")
	default:
		if err := relpath.CheckRouteName(r.Name); err != nil {
			p.addf(key+".name", "%v", err)
		}
	}
	if r.Source == "" {
		p.addf(key+".source", "must not be empty")
	}
	if r.Destination == "" {
		p.addf(key+".destination", "must not be empty")
	}
	if strings.TrimSpace(r.Host) != r.Host {
		p.addf(key+".host", "%q must not start or end with spaces", r.Host)
	}
	r.validateHost(p, key)
	if len(r.Include) == 0 {
		p.addf(key+".include", `at least one pattern is required (use "*" for every file)`)
	}
	checkPatterns(p, key+".include", r.Include)
	checkPatterns(p, key+".exclude", r.Exclude)
	if r.MinAge < 0 {
		p.addf(key+".min_age", "must not be negative")
	}
	switch r.Hash {
	case HashMD5, HashSHA1, HashSHA256:
	default:
		p.addf(key+".hash", "%q must be one of %s, %s, %s", r.Hash, HashMD5, HashSHA1, HashSHA256)
	}
	if r.Transfers < 1 || r.Transfers > MaxTransfers {
		p.addf(key+".transfers", "must be between 1 and %d, got %d", MaxTransfers, r.Transfers)
	}
	if r.UploadWindow < 1 {
		p.addf(key+".upload_window", "must be positive, got %d", r.UploadWindow)
	}
	if strings.TrimSpace(r.BwLimit) != r.BwLimit {
		p.addf(key+".bwlimit", "%q must not start or end with spaces", r.BwLimit)
	}
	r.validateContent(p, key)
	b := r.Batch
	if b.Files < 1 || b.Files > MaxBatchFiles {
		p.addf(key+".batch.files", "must be between 1 and %d, got %d", MaxBatchFiles, b.Files)
	}
	if b.Bytes < 1 {
		p.addf(key+".batch.bytes", "must be at least 1")
	}
	if b.MaxWait <= 0 {
		p.addf(key+".batch.max_wait", "must be positive")
	} else if b.MaxWait >= ackWait {
		p.addf(key+".batch.max_wait", "must be shorter than retry.ack_wait (%s)", ackWait)
	}
}

// checkPatterns rejects empty patterns; their glob syntax is rclone's to check.
func checkPatterns(p *problems, key string, patterns []string) {
	for i, pat := range patterns {
		if strings.TrimSpace(pat) == "" {
			p.addf(fmt.Sprintf("%s[%d]", key, i), "must not be empty")
		}
	}
}

// validateHost refuses the two host settings that make duplicate movers. A
// local source with host "any" would let every worker take jobs for a
// directory only one host has; a remote source without it is listed by
// every host's watcher, each announcing the same files under its own name,
// so each file is moved once per host.
func (r *Route) validateHost(p *problems, key string) {
	if r.Source == "" {
		return
	}
	remote := r.RemoteSource()
	switch {
	case r.Host == AnyHost && !remote:
		p.addf(key+".host", "%q needs a remote source (rclone name:path), but %s is a local directory that only "+
			"this host can read: leave host empty (or name the host that has the directory)", AnyHost, r.Source)
	case r.Host != AnyHost && remote:
		p.addf(key+".host", "the remote source %s is listed by every host's watcher, which would each announce "+
			"and move the same files: write host: %s", r.Source, AnyHost)
	}
}
