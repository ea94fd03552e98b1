package config

import (
	"os"
	"strings"
	"time"
)

// Defaults of keys whose value is not simply the zero value.
const (
	DefaultStateDir      = "/var/lib/ferry"
	DefaultMetricsListen = "127.0.0.1:9464"
	// DefaultTransfers: small files are bound by the ledger's durable
	// writes, which overlap well; large files still share the link fairly.
	DefaultTransfers = 4
	// DefaultUploadWindow: large enough for many small files, and a WARC
	// of Heritrix's default 1 GB (or one of 25 MB) goes alone.
	DefaultUploadWindow = 16 << 20
	// DefaultBatchFiles: see DefaultRoute.
	DefaultBatchFiles = 100
	// DefaultRcloneRefresh: rotated secrets reach every worker within an
	// hour, well inside any rotation's overlap of old and new keys.
	DefaultRcloneRefresh = Duration(time.Hour)
)

// Default returns the configuration with every default and no route. Host
// is os.Hostname(), or empty (which Validate rejects) if that fails.
func Default() *Config {
	c := base()
	c.resolve()
	return c
}

// base is Default before the defaults that depend on other keys.
func base() *Config {
	return &Config{
		StateDir: DefaultStateDir,
		NATS:     NATS{Replicas: 1},
		Metrics:  Metrics{Listen: DefaultMetricsListen},
		Rclone:   Rclone{Refresh: DefaultRcloneRefresh},
		Retry: Retry{
			MaxAttempts: 3,
			AckWait:     Duration(2 * time.Minute),
			Backoff:     []Duration{Duration(10 * time.Second), Duration(time.Minute)},
		},
		RescanInterval: Duration(time.Minute),
		StaleAfter:     Duration(30 * time.Minute),
		MaxQueued:      10000,
		Mover:          Workers{Concurrency: 2},
		// A verify job is often one large file (the mover hands each on as
		// it is copied): 8 keep as many read-backs in flight as 2 jobs of
		// 4 files did.
		Verifier:      Workers{Concurrency: 8},
		ShutdownGrace: Duration(40 * time.Second),
		Ledger:        Ledger{Keep: Duration(30 * 24 * time.Hour)},
		Events:        Events{Keep: Duration(7 * 24 * time.Hour)},
	}
}

// resolve fills the defaults that depend on other keys.
func (c *Config) resolve() {
	if c.Host == "" {
		c.Host, _ = os.Hostname()
	}
	if c.NATS.Server.Name == "" {
		c.NATS.Server.Name = c.Host
	}
	c.migrate()
}

// DefaultRoute returns a route with every default and no name, source or
// destination. Each call returns fresh slices and pointer.
func DefaultRoute() Route {
	deleteSource := true
	return Route{
		Include:      DefaultInclude(),
		Exclude:      DefaultExclude(),
		Hash:         HashMD5,
		DeleteSource: &deleteSource,
		Batch: Batch{
			// A job's queue and ledger writes cost the same for 1 file or
			// 100 (atomic batches of a few ms each), and files are handed
			// on one by one whatever the batch: 100 makes a backlog of
			// small files about a quarter faster than 20 (bench/RESULTS.md).
			Files:   DefaultBatchFiles,
			Bytes:   8 << 30,
			MaxWait: Duration(10 * time.Second),
		},
		Transfers:    DefaultTransfers,
		UploadWindow: DefaultUploadWindow,
		Validate:     []string{},
		OnInvalid:    OnInvalidKeep,
	}
}

// DefaultInclude returns the include patterns of a route that omits them:
// Heritrix WARCs and rotated crawl logs.
func DefaultInclude() []string {
	return []string{"*.warc.gz", "*.warc", "crawl.log.cp*", "crawl.log.[0-9]*"}
}

// SafeMinAge is the min_age of a route that omits it and excludes no
// in-progress name: a writer that writes a closed-looking name in place and
// pauses (a cp over NFS, curl -o) must not have its half-written file moved
// and deleted.
const SafeMinAge = Duration(5 * time.Minute)

// inProgressSuffixes are the names writers give a file until they rename it
// into place: Heritrix's .open, browsers' and curl-likes' .part, ...
var inProgressSuffixes = []string{".open", ".part", ".partial", ".filepart", ".crdownload", ".tmp"}

// DefaultMinAge returns the min_age of a route that omits it: 0 when exclude
// names an in-progress suffix ("*.open"), because such a writer renames a
// file into place only when it is complete (Heritrix does), else SafeMinAge.
func DefaultMinAge(exclude []string) Duration {
	for _, pat := range exclude {
		for _, suffix := range inProgressSuffixes {
			// A glob ("*.open", "*.warc.gz.open"), not one file's name.
			if strings.HasSuffix(pat, suffix) && strings.Contains(pat, "*") {
				return 0
			}
		}
	}
	return SafeMinAge
}

// DefaultExclude returns the exclude patterns of a route that omits them:
// files Heritrix is still writing, and the live crawl log.
func DefaultExclude() []string {
	return []string{"*.open", "*.lck", "crawl.log"}
}
