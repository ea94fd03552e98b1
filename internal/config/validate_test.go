package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Config)
		want   string // "" means valid
	}{
		{"minimal", func(*Config) {}, ""},
		{"host empty", func(c *Config) { c.Host = "" }, "host: must not be empty"},
		{"host any", func(c *Config) { c.Host = "any" }, `host: must not be "any"`},
		{"state_dir empty", func(c *Config) { c.StateDir = "" }, "state_dir: must not be empty"},
		{"no routes", func(c *Config) { c.Routes = nil }, "routes: at least one route is required"},
		{"name empty", func(c *Config) { c.Routes[0].Name = "" }, "routes[0].name: must not be empty"},
		{"name dot", func(c *Config) { c.Routes[0].Name = "a.b" }, `routes[0].name: "a.b" must match`},
		{"name space", func(c *Config) { c.Routes[0].Name = "a b" }, "routes[0].name:"},
		{"name wildcard", func(c *Config) { c.Routes[0].Name = "*" }, "routes[0].name:"},
		// The bus takes at most 64 characters in a subject token; check-config
		// must refuse what the daemon would refuse at start.
		{"name of 64 characters", func(c *Config) { c.Routes[0].Name = strings.Repeat("r", 64) }, ""},
		{"name of 65 characters", func(c *Config) { c.Routes[0].Name = strings.Repeat("r", 65) }, "routes[0].name:"},
		{"name duplicate", func(c *Config) { c.Routes = append(c.Routes, c.Routes[0]) },
			`routes[1].name: "warcs" is already the name of routes[0]`},
		{"source empty", func(c *Config) { c.Routes[0].Source = "" }, "routes[0].source: must not be empty"},
		{"destination empty", func(c *Config) { c.Routes[0].Destination = "" }, "routes[0].destination: must not be empty"},
		{"route host spaces", func(c *Config) { c.Routes[0].Host = " any" }, "routes[0].host:"},
		{"host any with a local source", func(c *Config) { c.Routes[0].Host = AnyHost },
			`routes[0].host: "any" needs a remote source (rclone name:path), but /heritrix/output is a local directory`},
		{"host any with a :local: source", func(c *Config) { c.Routes[0].Host, c.Routes[0].Source = AnyHost, ":local:/x" },
			"leave host empty"},
		{"remote source without host any", func(c *Config) { c.Routes[0].Source = "s3:bucket/in" },
			"routes[0].host: the remote source s3:bucket/in is listed by every host's watcher, which would each announce and move the same files: write host: any"},
		{"remote source on a named host", func(c *Config) { c.Routes[0].Source, c.Routes[0].Host = "s3:b", "crawler02" },
			"write host: any"},
		{"on-the-fly remote source without host any", func(c *Config) { c.Routes[0].Source = ":sftp,host=h:/in" }, "write host: any"},
		{"remote source with host any", func(c *Config) { c.Routes[0].Source, c.Routes[0].Host = "s3:bucket/in", AnyHost }, ""},
		{"relative local source with a colon after a slash", func(c *Config) { c.Routes[0].Source = "./a:b" }, ""},
		{"include none", func(c *Config) { c.Routes[0].Include = nil }, "routes[0].include: at least one pattern"},
		{"include empty pattern", func(c *Config) { c.Routes[0].Include[1] = " " }, "routes[0].include[1]: must not be empty"},
		{"exclude empty pattern", func(c *Config) { c.Routes[0].Exclude[2] = "" }, "routes[0].exclude[2]: must not be empty"},
		{"exclude none", func(c *Config) { c.Routes[0].Exclude = nil }, ""},
		{"min_age negative", func(c *Config) { c.Routes[0].MinAge = -1 }, "routes[0].min_age: must not be negative"},
		{"hash unknown", func(c *Config) { c.Routes[0].Hash = "crc32" }, `routes[0].hash: "crc32" must be one of`},
		{"hash sha256", func(c *Config) { c.Routes[0].Hash = HashSHA256 }, ""},
		{"batch files zero", func(c *Config) { c.Routes[0].Batch.Files = 0 }, "routes[0].batch.files: must be between 1 and 10000"},
		{"batch files too many", func(c *Config) { c.Routes[0].Batch.Files = 10001 }, "routes[0].batch.files:"},
		{"batch bytes zero", func(c *Config) { c.Routes[0].Batch.Bytes = 0 }, "routes[0].batch.bytes: must be at least 1"},
		{"batch max_wait zero", func(c *Config) { c.Routes[0].Batch.MaxWait = 0 }, "routes[0].batch.max_wait: must be positive"},
		{"batch max_wait at ack_wait", func(c *Config) { c.Routes[0].Batch.MaxWait = c.Retry.AckWait },
			"routes[0].batch.max_wait: must be shorter than retry.ack_wait (2m)"},
		{"transfers zero", func(c *Config) { c.Routes[0].Transfers = 0 }, "routes[0].transfers: must be between 1 and 64, got 0"},
		{"transfers too many", func(c *Config) { c.Routes[0].Transfers = 65 }, "routes[0].transfers:"},
		{"upload_window zero", func(c *Config) { c.Routes[0].UploadWindow = 0 }, "routes[0].upload_window: must be positive, got 0"},
		{"transfers one", func(c *Config) { c.Routes[0].Transfers = 1 }, ""},
		{"bwlimit timetable", func(c *Config) { c.Routes[0].BwLimit = "08:00,20M 19:00,off" }, ""},
		{"bwlimit spaces", func(c *Config) { c.Routes[0].BwLimit = " 20M" }, "routes[0].bwlimit:"},
		{"max_attempts zero", func(c *Config) { c.Retry.MaxAttempts = 0 }, "retry.max_attempts: must be at least 1"},
		{"ack_wait short", func(c *Config) { c.Retry.AckWait = Duration(time.Millisecond) }, "retry.ack_wait: must be at least 1s"},
		{"backoff zero", func(c *Config) { c.Retry.Backoff[1] = 0 }, "retry.backoff[1]: must be positive"},
		{"backoff empty", func(c *Config) { c.Retry.Backoff = nil }, ""},
		{"rescan_interval zero", func(c *Config) { c.RescanInterval = 0 }, "rescan_interval: must be positive"},
		{"stale_after at ack_wait", func(c *Config) { c.StaleAfter = c.Retry.AckWait }, "stale_after: must be longer than retry.ack_wait"},
		{"ledger.keep too short", func(c *Config) { c.Ledger.Keep = Duration(time.Second) }, "ledger.keep: must be 0 (keep for ever) or at least 1m"},
		{"shutdown_grace too short", func(c *Config) { c.ShutdownGrace = Duration(time.Millisecond) }, "shutdown_grace: must be at least 1s"},
		{"mover concurrency zero", func(c *Config) { c.Mover.Concurrency = 0 }, "mover.concurrency: must be between 1 and 64"},
		{"verifier concurrency high", func(c *Config) { c.Verifier.Concurrency = 65 }, "verifier.concurrency:"},
		{"metrics disabled", func(c *Config) { c.Metrics.Listen = "" }, ""},
		{"metrics all interfaces", func(c *Config) { c.Metrics.Listen = ":9464" }, ""},
		{"metrics no port", func(c *Config) { c.Metrics.Listen = "localhost" }, `metrics.listen: "localhost" is not host:port`},
		{"metrics bad port", func(c *Config) { c.Metrics.Listen = "localhost:http" }, "metrics.listen:"},
		{"replicas zero", func(c *Config) { c.NATS.Replicas = 0 }, "nats.replicas: must be between 1 and 5"},
		{"replicas six", func(c *Config) { c.NATS.Replicas = 6 }, "nats.replicas:"},
		{"url list", func(c *Config) { c.NATS.URL = "nats://a:4222, tls://b:4222" }, ""},
		{"url no scheme", func(c *Config) { c.NATS.URL = "a:4222" }, `nats.url: "a:4222" is not a nats://`},
		{"url empty entry", func(c *Config) { c.NATS.URL = "nats://a:4222,," }, "nats.url: entry 2 of the list is empty"},
		{"url hides password", func(c *Config) { c.NATS.URL = "http://u:hunter2@a" }, "nats.url: \"http://u:REDACTED@a\""},
		{"creds and nkey", func(c *Config) { c.NATS.Creds, c.NATS.NKey = "a.creds", "seed" },
			"nats: set only one way to authenticate, not nats.creds and nats.nkey"},
		{"password alone", func(c *Config) { c.NATS.Password = "p" }, "nats.password: requires nats.user"},
		{"user alone", func(c *Config) { c.NATS.User = "u" }, "nats.user: requires nats.password"},
		{"tls cert alone", func(c *Config) { c.NATS.TLS.Cert = "c.pem" }, "nats.tls.key: required when nats.tls.cert is set"},
		{"tls key alone", func(c *Config) { c.NATS.TLS.Key = "k.pem" }, "nats.tls.cert: required when nats.tls.key is set"},
		{"tls both", func(c *Config) { c.NATS.TLS.Cert, c.NATS.TLS.Key = "c.pem", "k.pem" }, ""},
		{"server listen", func(c *Config) { c.NATS.Server.Listen = "4222" }, "nats.server.listen:"},
		{"server http", func(c *Config) { c.NATS.Server.HTTP = "x:y" }, "nats.server.http:"},
		{"cluster without name", func(c *Config) { c.NATS.Server.Cluster.Listen = ":6222" },
			"nats.server.cluster.name: required when nats.server.cluster.listen is set"},
		{"cluster bad listen", func(c *Config) { c.NATS.Server.Cluster.Name, c.NATS.Server.Cluster.Listen = "c", "6222" },
			"nats.server.cluster.listen:"},
		{"cluster routes without listen", func(c *Config) { c.NATS.Server.Cluster.Routes = []string{"nats://b:6222"} },
			"nats.server.cluster.routes: require nats.server.cluster.listen"},
		{"cluster bad route", func(c *Config) {
			c.NATS.Server.Cluster = Cluster{Name: "c", Listen: ":6222", Routes: []string{"nats://b:6222", "b:6222"}}
		}, "nats.server.cluster.routes[1]:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParse(t, minimal)
			tt.mutate(c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("want valid, got %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("want an error naming %q, got none", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := mustParse(t, minimal)
	c.Host = ""
	c.Routes[0].Batch.Files = 0
	c.Mover.Concurrency = 0
	err := c.Validate()
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != 3 {
		t.Fatalf("want 3 joined problems, got %v", err)
	}
}
