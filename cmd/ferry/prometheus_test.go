package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferrydata/ferry/internal/testkit"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"gopkg.in/yaml.v3"
)

// shippedRules is the rule file operators load.
const shippedRules = "../../configs/prometheus/alerts.yml"

// TestIntegrationPrometheusAlerts runs Debian's Prometheus against a
// running ferry with the shipped rules: a copy corrupted before its
// read-back makes FerryVerifyFailures fire, promtool accepts the live
// scrape, and a source file system filling steadily makes
// FerryBufferFilling fire. The rules' `for` and the buffer's 6h trend are
// shortened (derivedRules); every expression is otherwise the shipped one.
func TestIntegrationPrometheusAlerts(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts JetStream and Prometheus")
	}
	promBin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus not on PATH: run scripts/install-test-deps.sh (Debian package prometheus)")
	}
	metricsAddr := freeAddr(t)
	s := newSite(t, siteOptions{metrics: metricsAddr, rescan: "1h"})
	tmpfs := os.Geteuid() == 0 && testkit.MountTmpfs(t, s.src, 16<<20)
	data := randomBytes(t, 200_000)
	s.heritrixWrite("job/a.warc.gz", data)
	sys := startTestSystem(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := sys.serveMetrics(ctx); err != nil {
		t.Fatal(err)
	}
	prom := startPrometheus(t, promBin, metricsAddr)
	// The failure counter must be scraped at 0 first, as in production,
	// where a route's series exist from the start.
	testkit.WaitFor(t, 30*time.Second, "Prometheus to scrape ferry", func() bool {
		return len(prom.query(t, `ferry_verify_failures_total{reason="mismatch"} == 0`)) == 1
	})

	t.Run("verify mismatch fires FerryVerifyFailures", func(t *testing.T) {
		runRolesUntil(t, sys, []string{"dispatcher", "mover"}, func() bool {
			return testutil.ToFloat64(sys.metrics.FilesCopied.WithLabelValues("warcs")) == 1
		})
		if alerts := prom.firing(t, "FerryVerifyFailures"); len(alerts) != 0 {
			t.Fatalf("FerryVerifyFailures fires before any failure: %v", alerts)
		}
		corrupt(t, filepath.Join(s.dst, "job/a.warc.gz"))
		runRolesUntil(t, sys, []string{"verifier"}, func() bool {
			return testutil.ToFloat64(sys.metrics.VerifyFailures.WithLabelValues("warcs", "mismatch")) == 1
		})
		testkit.WaitFor(t, 60*time.Second, "FerryVerifyFailures firing for the mismatch", func() bool {
			for _, a := range prom.firing(t, "FerryVerifyFailures") {
				if a["route"] == "warcs" && a["reason"] == "mismatch" && a["severity"] == "page" {
					return true
				}
			}
			return false
		})
		if got, err := os.ReadFile(filepath.Join(s.src, "job/a.warc.gz")); err != nil || sha(got) != sha(data) {
			t.Fatalf("the source of the mismatched copy was not kept intact: %v", err)
		}
	})

	t.Run("promtool check metrics on a live scrape", func(t *testing.T) {
		promtool, err := exec.LookPath("promtool")
		if err != nil {
			t.Skip("promtool not on PATH: run scripts/install-test-deps.sh (Debian package prometheus)")
		}
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = strings.NewReader(scrape(t, metricsAddr))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("promtool check metrics: %v\n%s", err, out)
		}
	})

	t.Run("a filling source fires FerryBufferFilling", func(t *testing.T) {
		if !tmpfs {
			t.Skip("needs root to mount a small tmpfs as the source")
		}
		if alerts := prom.firing(t, "FerryBufferFilling"); len(alerts) != 0 {
			t.Fatalf("FerryBufferFilling fires before the source fills: %v", alerts)
		}
		// A crawler writing 512 KiB/s into WARCs still open (never moved):
		// 16 MiB full in about 30s, far within 24h.
		chunk := bytes.Repeat([]byte("w"), 128<<10)
		deadline := time.Now().Add(60 * time.Second)
		for i := 0; ; i++ {
			if alerts := prom.firing(t, "FerryBufferFilling"); len(alerts) > 0 {
				if alerts[0]["route"] != "warcs" {
					t.Fatalf("FerryBufferFilling fired for %v", alerts[0])
				}
				return
			}
			var st syscall.Statfs_t
			if err := syscall.Statfs(s.src, &st); err != nil {
				t.Fatal(err)
			}
			if free := st.Bavail * uint64(st.Bsize); free < 2<<20 || time.Now().After(deadline) {
				t.Fatalf("the source is nearly full (%d bytes free) and FerryBufferFilling has not fired", free)
			}
			s.write(fmt.Sprintf("job/fill-%03d.warc.gz.open", i), chunk)
			time.Sleep(250 * time.Millisecond)
		}
	})
}

// derivedRules is the shipped rule file made fast enough for a test: every
// `for` becomes 1s and the buffer trend's 6h window 15s. It fails if that
// changed anything but those.
func derivedRules(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(shippedRules)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, g := range doc["groups"].([]any) {
		for _, r := range g.(map[string]any)["rules"].([]any) {
			rule := r.(map[string]any)
			if _, ok := rule["for"]; ok {
				rule["for"] = "1s"
			}
			expr := rule["expr"].(string)
			if strings.Contains(expr, "predict_linear") {
				rule["expr"] = strings.ReplaceAll(expr, "[6h]", "[15s]")
			}
		}
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`predict_linear\(ferry_source_free_bytes\[15s\]`).Match(out) {
		t.Fatal("the shipped buffer alert no longer reads ferry_source_free_bytes over [6h]: update derivedRules")
	}
	return out
}

// prometheus is a running Prometheus server's HTTP API.
type prometheus struct{ url string }

// startPrometheus runs Prometheus scraping target every second with the
// derived rules, evaluated every second, until the test ends.
func startPrometheus(t *testing.T, bin, target string) *prometheus {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "rules.yml"), string(derivedRules(t)))
	writeFile(t, filepath.Join(dir, "prometheus.yml"), fmt.Sprintf(`global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: [rules.yml]
scrape_configs:
  - job_name: ferry
    static_configs: [{targets: [%q]}]
`, target))
	addr := freeAddr(t)
	logPath := filepath.Join(dir, "prometheus.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logFile.Close()
		if t.Failed() {
			log, _ := os.ReadFile(logPath)
			t.Logf("prometheus log:\n%s", log)
		}
	})
	prom := &prometheus{url: "http://" + addr}
	testkit.WaitFor(t, 60*time.Second, "Prometheus to be ready", func() bool {
		resp, err := http.Get(prom.url + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return prom
}

// get decodes one API answer's data into v.
func (p *prometheus) get(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get(p.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
		Error  string          `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Status != "success" {
		t.Fatalf("GET %s: %v %s", path, err, body.Error)
	}
	if err := json.Unmarshal(body.Data, v); err != nil {
		t.Fatal(err)
	}
}

// query returns the label sets of an instant query's result.
func (p *prometheus) query(t *testing.T, q string) []map[string]string {
	t.Helper()
	var data struct {
		Result []struct {
			Metric map[string]string `json:"metric"`
		} `json:"result"`
	}
	p.get(t, "/api/v1/query?query="+url.QueryEscape(q), &data)
	var out []map[string]string
	for _, r := range data.Result {
		out = append(out, r.Metric)
	}
	return out
}

// firing returns the labels of the named alert's firing instances.
func (p *prometheus) firing(t *testing.T, name string) []map[string]string {
	t.Helper()
	var data struct {
		Alerts []struct {
			Labels map[string]string `json:"labels"`
			State  string            `json:"state"`
		} `json:"alerts"`
	}
	p.get(t, "/api/v1/alerts", &data)
	var out []map[string]string
	for _, a := range data.Alerts {
		if a.Labels["alertname"] == name && a.State == "firing" {
			out = append(out, a.Labels)
		}
	}
	return out
}
