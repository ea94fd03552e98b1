package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/metrics"
	"github.com/ferrydata/ferry/internal/testkit"
)

// `ferry nats` serves /metrics with its build and /readyz once JetStream
// is up; a role against it becomes ready once its consumer is bound (the
// 503 before is TestReadyz's, in internal/metrics).
func TestIntegrationNatsAndRoleServeMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: runs ferry as processes")
	}
	dir := t.TempDir()
	ports := testkit.FreePorts(t, 3)
	natsMetrics := fmt.Sprintf("127.0.0.1:%d", ports[1])
	writeFile(t, filepath.Join(dir, "nats.yaml"), fmt.Sprintf(`host: n1
state_dir: %s
metrics: {listen: %q}
nats: {server: {listen: "127.0.0.1:%d"}}
`, filepath.Join(dir, "nats-state"), natsMetrics, ports[0]))
	startProc(t, dir, "nats", "", nil, "--config", filepath.Join(dir, "nats.yaml"), "nats")
	testkit.WaitFor(t, 30*time.Second, "ferry nats ready", func() bool { return httpStatus(natsMetrics, "/readyz") == http.StatusOK })
	b := metrics.Build()
	if body := scrape(t, natsMetrics); !strings.Contains(body, fmt.Sprintf(`ferry_build_info{goversion=%q,revision=%q,version=%q} 1`, b.GoVersion, b.Revision, b.Version)) {
		t.Fatalf("ferry nats serves no build info:\n%s", body)
	}

	s := newSite(t, siteOptions{metrics: fmt.Sprintf("127.0.0.1:%d", ports[2]),
		top: fmt.Sprintf("nats: {url: \"nats://127.0.0.1:%d\"}", ports[0])})
	roleMetrics := fmt.Sprintf("127.0.0.1:%d", ports[2])
	startProc(t, s.dir, "verifier", "", nil, "--config", s.config, "verifier")
	testkit.WaitFor(t, 30*time.Second, "the verifier ready", func() bool { return httpStatus(roleMetrics, "/readyz") == http.StatusOK })
}

// httpStatus is the status code of GET path, 0 when nothing answers.
func httpStatus(addr, path string) int {
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// `ferry --version` says what ferry_build_info says.
func TestVersionFlag(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := run([]string{"ferry", "--version"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	b := metrics.Build()
	if want := "ferry version " + b.String() + "\n"; stdout.String() != want {
		t.Fatalf("--version printed %q, want %q", stdout.String(), want)
	}
}
