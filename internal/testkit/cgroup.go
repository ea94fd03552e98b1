package testkit

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// CPUThrottle confines process pid to permille thousandths of one CPU
// through a cpu cgroup (v1 or v2) made for the test, so that a job lasts
// long enough to be interrupted. It skips the test where none can be made.
func CPUThrottle(tb testing.TB, pid, permille int) {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("needs root to slow a process down with a cpu cgroup")
	}
	// A long period lets the quota go below cgroup v1's 1ms minimum.
	const period = 1_000_000 // µs
	quota := period / 1000 * permille
	name := fmt.Sprintf("ferrytest-%d-%d", os.Getpid(), pid)
	var parent string
	var limits map[string]string
	if _, err := os.Stat("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"); err == nil {
		parent = "/sys/fs/cgroup/cpu"
		limits = map[string]string{"cpu.cfs_period_us": fmt.Sprint(period), "cpu.cfs_quota_us": fmt.Sprint(quota)}
	} else if ctl, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers"); err == nil && slices.Contains(strings.Fields(string(ctl)), "cpu") {
		parent = "/sys/fs/cgroup"
		if err := os.WriteFile(filepath.Join(parent, "cgroup.subtree_control"), []byte("+cpu"), 0o644); err != nil {
			tb.Skipf("couldn't enable the cpu controller: %v", err)
		}
		limits = map[string]string{"cpu.max": fmt.Sprintf("%d %d", quota, period)}
	} else {
		tb.Skip("no cpu cgroup controller to slow a process down")
	}
	dir := filepath.Join(parent, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		tb.Skipf("couldn't make a cpu cgroup: %v", err)
	}
	tb.Cleanup(func() {
		// Processes still inside go back to the parent; then the group can go.
		if data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs")); err == nil {
			for p := range strings.FieldsSeq(string(data)) {
				_ = os.WriteFile(filepath.Join(parent, "cgroup.procs"), []byte(p), 0o644)
			}
		}
		if err := os.Remove(dir); err != nil {
			tb.Errorf("couldn't remove cgroup %s: %v", dir, err)
		}
	})
	for file, value := range limits {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(value), 0o644); err != nil {
			tb.Skipf("couldn't limit the cpu cgroup (%s): %v", file, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(fmt.Sprint(pid)), 0o644); err != nil {
		tb.Fatalf("couldn't move process %d into the cpu cgroup: %v", pid, err)
	}
}
