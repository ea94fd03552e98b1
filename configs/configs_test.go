// Package configs holds ferry's shipped operations files: the example
// config, Prometheus rules and their tests, the Grafana dashboard, systemd
// units and the Ansible role. This test keeps them honest: the rules load and
// pass their unit tests, and every ferry_ metric they name exists.
package configs

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"gopkg.in/yaml.v3"

	"github.com/ferrydata/ferry/internal/metrics"
)

const (
	alertsFile     = "prometheus/alerts.yml"
	alertsTestFile = "prometheus/alerts_test.yml"
	scrapeFile     = "prometheus/prometheus.example.yml"
	dashboardFile  = "grafana/ferry-dashboard.json"
	runbookFile    = "../docs/runbook.md"
)

// promtool runs promtool with args in dir, skipping the test when it is not
// installed (scripts/install-test-deps.sh installs it).
func promtool(t *testing.T, dir string, args ...string) {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not on PATH: run scripts/install-test-deps.sh (Debian package prometheus) to check the rules")
	}
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func TestPromtool(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"check rules", []string{"check", "rules", filepath.Base(alertsFile)}},
		{"test rules", []string{"test", "rules", filepath.Base(alertsTestFile)}},
		{"check config", []string{"check", "config", filepath.Base(scrapeFile)}},
	} {
		t.Run(tc.name, func(t *testing.T) { promtool(t, "prometheus", tc.args...) })
	}
}

// Every dashboard query must be valid PromQL: promtool checks them as
// recording rules, Grafana's variables replaced by values.
func TestDashboardQueriesParse(t *testing.T) {
	vars := strings.NewReplacer("$__rate_interval", "5m", "$__range", "6h", "$route", ".*")
	type rule struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	var rules []rule
	for i, e := range dashboardExprs(t) {
		rules = append(rules, rule{Record: fmt.Sprintf("dashboard:query%d", i), Expr: vars.Replace(e)})
	}
	doc := map[string]any{"groups": []any{map[string]any{"name": "dashboard", "rules": rules}}}
	data, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dashboard.yml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	promtool(t, dir, "check", "rules", "dashboard.yml")
}

// Every alert carries what an operator needs at 3 a.m., and its unit tests
// show it both firing and staying silent.
func TestAlertsComplete(t *testing.T) {
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	readYAML(t, alertsFile, &rules)
	var tests struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string `yaml:"alertname"`
				ExpAlerts []any  `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	readYAML(t, alertsTestFile, &tests)
	fires, silent := map[string]bool{}, map[string]bool{}
	for _, g := range tests.Tests {
		for _, a := range g.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				silent[a.Alertname] = true
			}
		}
	}
	runbook, err := os.ReadFile(runbookFile)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue // a recording rule
			}
			n++
			if s := r.Labels["severity"]; s != "page" && s != "ticket" {
				t.Errorf("%s: severity %q, want page or ticket", r.Alert, s)
			}
			for _, key := range []string{"summary", "description"} {
				if strings.TrimSpace(r.Annotations[key]) == "" {
					t.Errorf("%s: no %s annotation", r.Alert, key)
				}
			}
			if !strings.Contains(string(runbook), "\n## "+r.Alert+"\n") {
				t.Errorf("%s: no section \"## %s\" in %s", r.Alert, r.Alert, runbookFile)
			}
			if !fires[r.Alert] || !silent[r.Alert] {
				t.Errorf("%s: %s needs a case where it fires and one where it does not (fires %v, silent %v)",
					r.Alert, alertsTestFile, fires[r.Alert], silent[r.Alert])
			}
		}
	}
	if n == 0 {
		t.Fatalf("%s: no alerts", alertsFile)
	}
}

// Every ferry_ name in the rules, their tests and the dashboard is a series
// internal/metrics exports, so a renamed metric cannot silence an alert.
func TestMetricNamesExist(t *testing.T) {
	known := exportedNames(t)
	used := regexp.MustCompile(`\bferry_[a-z0-9_]*[a-z0-9]`)
	for _, file := range []string{alertsFile, alertsTestFile, dashboardFile} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, name := range used.FindAllString(string(data), -1) {
			if !known[name] && !seen[name] {
				t.Errorf("%s uses %s, which internal/metrics does not export", file, name)
			}
			seen[name] = true
		}
		if len(seen) == 0 {
			t.Errorf("%s names no ferry_ metric", file)
		}
	}
}

// dashboard is the part of the Grafana JSON the tests read.
type dashboard struct {
	UID    string `json:"uid"`
	Panels []struct {
		ID      int    `json:"id"`
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

func readDashboard(t *testing.T) dashboard {
	t.Helper()
	data, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	return d
}

func TestDashboardJSON(t *testing.T) {
	d := readDashboard(t)
	if d.UID == "" || len(d.Panels) == 0 {
		t.Fatalf("%s: want a uid and panels", dashboardFile)
	}
	ids := map[int]bool{}
	for _, p := range d.Panels {
		if ids[p.ID] {
			t.Errorf("panel %q: id %d is not unique", p.Title, p.ID)
		}
		ids[p.ID] = true
		if len(p.Targets) == 0 {
			t.Errorf("panel %q: no query", p.Title)
		}
		for _, q := range p.Targets {
			if strings.TrimSpace(q.Expr) == "" {
				t.Errorf("panel %q: an empty query", p.Title)
			}
		}
	}
}

// dashboardExprs returns every query of the dashboard.
func dashboardExprs(t *testing.T) []string {
	t.Helper()
	var exprs []string
	for _, p := range readDashboard(t).Panels {
		for _, q := range p.Targets {
			exprs = append(exprs, q.Expr)
		}
	}
	return exprs
}

// exportedNames returns the series names metrics.New() exports. A vector has
// no series until it has a child, so each one is touched first, found by
// reflection so that a metric added later is covered without editing this.
func exportedNames(t *testing.T) map[string]bool {
	t.Helper()
	m := metrics.New()
	m.WatchSources([]metrics.Source{{Route: "x", Path: t.TempDir()}}) // collected at scrape time
	v := reflect.ValueOf(m).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() != reflect.Pointer || f.IsNil() || f.Elem().Kind() != reflect.Struct {
			continue
		}
		embedded := f.Elem().FieldByName("MetricVec") // CounterVec, GaugeVec, HistogramVec, ...
		if !embedded.IsValid() || !embedded.CanInterface() {
			continue
		}
		mv, ok := embedded.Interface().(*prometheus.MetricVec)
		if !ok || mv == nil {
			continue
		}
		if !touch(mv) {
			t.Fatalf("metrics.%s: couldn't create a child", v.Type().Field(i).Name)
		}
	}
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range families {
		name := mf.GetName()
		names[name] = true
		switch mf.GetType() {
		case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
			names[name+"_bucket"], names[name+"_sum"], names[name+"_count"] = true, true, true
		case dto.MetricType_SUMMARY:
			names[name+"_sum"], names[name+"_count"] = true, true
		}
	}
	return names
}

// touch creates one child of a vector, trying label counts until one fits.
func touch(mv *prometheus.MetricVec) bool {
	for n := range 10 {
		if _, err := mv.GetMetricWithLabelValues(slices.Repeat([]string{"x"}, n)...); err == nil {
			return true
		}
	}
	return false
}

func readYAML(t *testing.T, file string, v any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}
