package watcher

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/ledger"
	"github.com/ferrydata/ferry/internal/metrics"
	"github.com/ferrydata/ferry/internal/transfer"
)

// Defaults for a Config that leaves durations at zero.
const (
	DefaultRescanInterval = time.Minute
	DefaultStaleAfter     = 30 * time.Minute
)

// Route is one source to watch.
type Route struct {
	Name    string
	Source  string // a local directory, or an rclone remote "name:path" (listed, not watched)
	Host    string // the host announced in events: the config host, or bus.HostAny for remote sources
	Include []string
	Exclude []string
	MinAge  time.Duration
	// DeletesSource: files verified while the route kept its sources are
	// announced again, to be verified afresh and deleted.
	DeletesSource bool
}

// Config is the watcher's configuration.
type Config struct {
	Routes         []Route
	RescanInterval time.Duration // 0 means DefaultRescanInterval
	StaleAfter     time.Duration // passed to ledger.Announce; 0 means DefaultStaleAfter
	// QuarantineGrace: a file left under a delete's private name is put back
	// once that old; 0 means transfer.QuarantineGrace.
	QuarantineGrace time.Duration
	// MaxQueued: scans announce files while fewer messages than this of the
	// route and host are queued; 0 means DefaultMaxQueued.
	MaxQueued int
}

// Validate checks what New cannot fix with a default.
func (c Config) Validate() error {
	var errs []error
	if c.RescanInterval < 0 || c.StaleAfter < 0 {
		errs = append(errs, errors.New("rescan interval and stale after must not be negative"))
	}
	if c.MaxQueued < 0 {
		errs = append(errs, errors.New("max queued must not be negative"))
	}
	seen := map[string]bool{}
	for _, r := range c.Routes {
		switch {
		case !bus.ValidToken(r.Name):
			errs = append(errs, fmt.Errorf("route name %q is not a subject token", r.Name))
		case seen[r.Name]:
			errs = append(errs, fmt.Errorf("route %s is configured twice", r.Name))
		case r.Source == "" || r.Host == "":
			errs = append(errs, fmt.Errorf("route %s needs a source and a host", r.Name))
		case r.MinAge < 0:
			errs = append(errs, fmt.Errorf("route %s: min age must not be negative", r.Name))
		}
		seen[r.Name] = true
	}
	return errors.Join(errs...)
}

// Deps are what the watcher talks to.
type Deps struct {
	Bus     *bus.Bus
	Ledger  *ledger.Ledger
	Log     *slog.Logger
	Metrics *metrics.Metrics
	Now     func() time.Time // nil = time.Now
}

// Seen is a closed file found by Scan, whether announced now or already known.
type Seen struct {
	Route string
	Host  string // the host announced with the file
	File  bus.File
	// Announced: this scan published the file. Otherwise the ledger knew it
	// (in flight, done, or failed) or its announcement failed.
	Announced bool
	// Deferred: the route's queue was full, so the file was left on disk
	// unannounced, its ledger record not read (see MaxQueued).
	Deferred bool
}

// Watcher finds closed files and announces them.
type Watcher struct {
	cfg    Config
	deps   Deps
	routes []*route

	mu      sync.Mutex
	warned  map[string]bool            // route+path+reason already logged as skipped
	pending map[string]bus.Closed      // recorded in the ledger but not yet published
	sources map[string]transfer.Source // remote sources, opened on first use
	timers  map[string]*time.Timer     // re-checks of young files, one per route and path
	behind  map[string]bool            // routes whose last pass deferred files (see CatchUp)
	fsw     *fsnotify.Watcher          // set while Run runs, if a route is local
	done    chan struct{}              // set while Run runs; closed when it returns
	recheck chan target                // timers hand their path to Run's loop

	// started: a record of a file in flight written before it, with the
	// queues empty, lost its message with an earlier process (see scanRoute).
	started time.Time

	// Files under a delete's private name renamed before leftBefore (unix
	// ns; 0: never) are put back at once.
	leftBefore atomic.Int64
}

// RestoreLeftBefore makes scans put back at once, without the grace, a file
// under a delete's private name renamed before t. Call it only when no
// delete can be at work on such a file: in `ferry run --once` on its own
// embedded server once its queues are empty. Earlier, a redelivered job of
// the file would meet it with a new ctime (the rename back) and dead-letter
// it as another file.
func (w *Watcher) RestoreLeftBefore(t time.Time) { w.leftBefore.Store(t.UnixNano()) }

// route is a Route with its rules compiled and its source resolved.
type route struct {
	Route
	rules *Rules
	root  string       // absolute local directory with symlinks resolved; "" for a remote
	log   *slog.Logger // names the route and host
}

// fileLog is the route's logger naming one of its files, for every line
// about a file.
func (r *route) fileLog(rel string) *slog.Logger { return r.log.With("file", rel) }

// New compiles every route's rules and checks that local sources are directories.
func New(cfg Config, deps Deps) (*Watcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("couldn't configure watcher: %w", err)
	}
	if deps.Bus == nil || deps.Ledger == nil || deps.Metrics == nil {
		return nil, errors.New("couldn't create watcher: bus, ledger and metrics are required")
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	cfg.RescanInterval = orDefault(cfg.RescanInterval, DefaultRescanInterval)
	cfg.StaleAfter = orDefault(cfg.StaleAfter, DefaultStaleAfter)
	cfg.QuarantineGrace = orDefault(cfg.QuarantineGrace, transfer.QuarantineGrace)
	if cfg.MaxQueued == 0 {
		cfg.MaxQueued = DefaultMaxQueued
	}
	w := &Watcher{cfg: cfg, deps: deps, started: time.Now(), warned: map[string]bool{}, pending: map[string]bus.Closed{},
		sources: map[string]transfer.Source{}, timers: map[string]*time.Timer{}, behind: map[string]bool{}, recheck: make(chan target, 64)}
	for _, rc := range cfg.Routes {
		r := &route{Route: rc, log: deps.Log.With("route", rc.Name, "host", rc.Host)}
		rules, err := NewRules(rc.Include, rc.Exclude)
		if err != nil {
			return nil, fmt.Errorf("couldn't configure route %s: %w", rc.Name, err)
		}
		r.rules = rules
		if !isRemote(rc.Source) {
			if r.root, err = localRoot(rc.Source); err != nil {
				return nil, fmt.Errorf("couldn't configure route %s: %w", rc.Name, err)
			}
		}
		w.routes = append(w.routes, r)
	}
	return w, nil
}

// localRoot resolves a source directory once, so event paths and walked paths
// share one prefix even when the configured path goes through a symlink.
func localRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return "", fmt.Errorf("couldn't resolve source %s: %w", dir, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("couldn't stat source %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("source %s is not a directory", dir)
	}
	return abs, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
