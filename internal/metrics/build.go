package metrics

import (
	"runtime"
	"runtime/debug"
)

// version and revision are set at link time (`make build` does):
// go build -ldflags "-X github.com/ferrydata/ferry/internal/metrics.version=v1.2.3
// -X github.com/ferrydata/ferry/internal/metrics.revision=COMMIT". Without
// them, what Go recorded: the module version of a `go install ...@v1.2.3`
// and the VCS commit of a build in a checkout, else "devel" and "unknown".
var version, revision string

// BuildInfo says which ferry this is.
type BuildInfo struct {
	Version   string
	Revision  string // VCS commit, "unknown" outside a checkout; "+dirty" when modified
	GoVersion string
}

// Build returns this binary's build information.
func Build() BuildInfo {
	b := BuildInfo{Version: version, Revision: revision, GoVersion: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if ok && b.Revision == "" {
		dirty := false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if dirty && b.Revision != "" {
			b.Revision += "+dirty"
		}
	}
	if ok && b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		b.Version = info.Main.Version
	}
	if b.Revision == "" {
		b.Revision = "unknown"
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	return b
}

// String is what `ferry --version` prints.
func (b BuildInfo) String() string {
	return b.Version + " (revision " + b.Revision + ", " + b.GoVersion + ")"
}
