package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// minimal is the smallest valid file: one route with only what it requires.
const minimal = `
host: crawler01
routes:
  - name: warcs
    source: /heritrix/output
    destination: "store:warcs"
`

func mustParse(t *testing.T, data string) *Config {
	t.Helper()
	c, err := Parse([]byte(data))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func TestParseDefaults(t *testing.T) {
	c := mustParse(t, minimal)
	want := Default()
	want.Host, want.NATS.Server.Name = "crawler01", "crawler01"
	want.Routes = []Route{DefaultRoute()}
	want.Routes[0].Name = "warcs"
	want.Routes[0].Source = "/heritrix/output"
	want.Routes[0].Destination = "store:warcs"
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got\n%+v\nwant\n%+v", c, want)
	}
	r, ok := c.Route("warcs")
	if !ok {
		t.Fatal(`Route("warcs") not found`)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"include", r.Include, []string{"*.warc.gz", "*.warc", "crawl.log.cp*", "crawl.log.[0-9]*"}},
		{"exclude", r.Exclude, []string{"*.open", "*.lck", "crawl.log"}},
		{"delete_source", r.DeletesSource(), true},
		{"hash", r.Hash, "md5"},
		{"batch", r.Batch, Batch{Files: 100, Bytes: 8 << 30, MaxWait: Duration(10 * time.Second)}},
		{"transfers", r.Transfers, 4},
		{"upload_window", int(r.UploadWindow), 16 << 20},
		{"bwlimit", r.BwLimit, ""},
		{"route host", r.RouteHost(c.Host), "crawler01"},
		{"state_dir", c.StateDir, "/var/lib/ferry"},
		{"metrics", c.Metrics.Listen, "127.0.0.1:9464"},
		{"backoff", c.Retry.Backoff, []Duration{Duration(10 * time.Second), Duration(time.Minute)}},
		{"ack_wait", c.Retry.AckWait, Duration(2 * time.Minute)},
		{"stale_after", c.StaleAfter, Duration(30 * time.Minute)},
		{"mover concurrency", c.Mover.Concurrency, 2},
		{"verifier concurrency", c.Verifier.Concurrency, 8},
		{"jetstream dir", c.JetStreamDir(), "/var/lib/ferry/jetstream"},
		{"rclone cache", c.RcloneCacheDir(), "/var/lib/ferry/rclone"},
		{"nats urls", c.NATSURLs(), []string(nil)},
	}
	for _, tt := range checks {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestParseExplicitValuesKept(t *testing.T) {
	c := mustParse(t, `
host: crawler01
routes:
  - name: warcs
    source: "s3:bucket/in"
    destination: "store:warcs"
    delete_source: false
    exclude: []
    host: any
    batch: {files: 5}
    transfers: 8
    bwlimit: "08:00,20M 19:00,off"
retry: {backoff: []}
nats: {url: " nats://a:4222 , nats://b:4222"}
`)
	r := &c.Routes[0]
	if r.DeletesSource() {
		t.Error("delete_source: false was not kept")
	}
	if r.Exclude == nil || len(r.Exclude) != 0 {
		t.Errorf("exclude: [] gave %#v", r.Exclude)
	}
	if got := r.RouteHost(c.Host); got != AnyHost {
		t.Errorf("RouteHost = %q, want %q", got, AnyHost)
	}
	if r.Transfers != 8 || r.BwLimit != "08:00,20M 19:00,off" {
		t.Errorf("transfers, bwlimit = %d, %q; want 8 and the timetable", r.Transfers, r.BwLimit)
	}
	if r.Batch.Files != 5 || r.Batch.Bytes != 8<<30 || r.Batch.MaxWait != Duration(10*time.Second) {
		t.Errorf("batch {files: 5} gave %+v, want the other keys defaulted", r.Batch)
	}
	if c.Retry.Backoff == nil || len(c.Retry.Backoff) != 0 { // kept empty, not defaulted: no delay (worker.Policy.Delay)
		t.Errorf("backoff: [] gave %v", c.Retry.Backoff)
	}
	if got, want := c.NATSURLs(), []string{"nats://a:4222", "nats://b:4222"}; !reflect.DeepEqual(got, want) {
		t.Errorf("NATSURLs = %q, want %q", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"unknown top-level key", minimal + "rescan: 1m\n", []string{`line 7: unknown key "rescan"`}},
		{"unknown nested key", minimal + "nats: {urll: x}\n", []string{`unknown key "urll"`}},
		{"unknown route key", minimal + "    hsah: sha1\n", []string{`line 7: unknown key "hsah"`}},
		{"unknown batch key", minimal + "    batch: {file: 3}\n", []string{`unknown key "file"`}},
		{"bad duration", minimal + "rescan_interval: 10\n", []string{"line 7", `invalid duration "10"`}},
		{"bad size", minimal + "    batch: {bytes: lots}\n", []string{"line 7", `invalid byte size "lots"`}},
		{"duplicate key", minimal + "host: b\n", []string{"host"}},
		{"two documents", minimal + "---\nhost: b\n", []string{"single YAML document"}},
		{"empty", "", []string{"routes: at least one route is required"}},
		{"only comments", "# nothing\n", []string{"routes: at least one route is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml))
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ferry.yaml")
	if err := os.WriteFile(path, []byte(minimal+"    hash: nope\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "routes[0].hash") {
		t.Errorf("Load error = %v, want it to name the file and routes[0].hash", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("Load of a missing file succeeded")
	}
}

// An omitted min_age is 0 only for routes whose writer renames files into
// place (an in-progress suffix is excluded); any other writer may pause with
// a closed-looking name, so the default waits.
func TestMinAgeDefault(t *testing.T) {
	tests := []struct {
		name  string
		route string // YAML keys added to the route
		want  time.Duration
	}{
		{"heritrix defaults", "", 0},
		{"exclude .open among others", `exclude: ["*.lck", "*.warc.gz.open"]`, 0},
		{"exclude .part", `exclude: ["**.part"]`, 0},
		{"exclude nothing", "exclude: []", 5 * time.Minute},
		{"exclude without in-progress names", `exclude: ["*.lck", "crawl.log"]`, 5 * time.Minute},
		{"an .open name that is not a suffix glob", `exclude: ["x.open"]`, 5 * time.Minute},
		{"explicit zero is kept", "exclude: []\n    min_age: 0s", 0},
		{"explicit value is kept", "min_age: 1h", time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := minimal
			if tt.route != "" {
				data += "    " + tt.route + "\n"
			}
			c := mustParse(t, data)
			if got := time.Duration(c.Routes[0].MinAge); got != tt.want {
				t.Errorf("min_age = %s, want %s", got, tt.want)
			}
		})
	}
}
