package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// validateSets are the validator lists the validate workload compares, each
// adding one to the one before: what a set costs over the one before is what
// its last validator adds.
var validateSets = [][]string{nil, {"gzip"}, {"gzip", "warc"}}

const (
	validateFiles    = 40
	validateFileSize = 5500 * kB
)

// validateRun is one `ferry run` of the WARC tree with one validator set,
// with ferry's own counters read from its /metrics once every file moved.
type validateRun struct {
	usage
	readBack float64            // ferry_verify_read_bytes_total
	valid    map[string]float64 // ferry_validations_total{outcome="valid"}, by validator
	invalid  float64            // ferry_validations_total{outcome="invalid"}, every validator
}

// validateWorkload moves one tree of gowarc-written WARCs (issue 12, "What
// it must show", item 2) with each validator set, local disk to local disk,
// sets interleaved within each repetition. It reports the CPU seconds per GB
// each validator adds, and whether the verifier read each file once: ferry's
// ferry_verify_read_bytes_total, scraped from the daemon, against the bytes
// of the files. A `ferry run` daemon rather than run --once, so its /metrics
// can be read after the last file moved and before it exits.
func validateWorkload(o options, out io.Writer) error {
	dir, err := os.MkdirTemp(o.tmp, "bench-validate-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	master := filepath.Join(dir, "master")
	o.progress("validate: writing %d WARCs of about %d MB with gowarc", validateFiles, validateFileSize/MB)
	tree, err := writeWARCs(filepath.Join(master, "job", "warcs"), validateFiles, validateFileSize)
	if err != nil {
		return err
	}
	want, err := hashTree(master)
	if err != nil {
		return err
	}
	runs := make([][]validateRun, len(validateSets))
	for rep := range o.reps {
		for i, set := range validateSets {
			r, err := runValidated(o, set, tree, want, master, filepath.Join(dir, fmt.Sprintf("%d-%d", i, rep)))
			if err != nil {
				return fmt.Errorf("validate %v, run %d: %w", set, rep+1, err)
			}
			o.progress("validate %v: run %d: %.2fs, CPU %.2fs", set, rep+1, r.wall.Seconds(), r.cpu.Seconds())
			runs[i] = append(runs[i], r)
		}
	}
	printValidate(out, o.reps, tree, runs)
	return nil
}

// runValidated moves a fresh copy of master with validate: set and checks
// what ferry did and counted.
func runValidated(o options, set []string, tree warcTree, want map[string][32]byte, master, dir string) (validateRun, error) {
	defer os.RemoveAll(dir)
	src, dst := filepath.Join(dir, "heritrix"), filepath.Join(dir, "destination")
	if err := copyTree(master, src); err != nil {
		return validateRun{}, fmt.Errorf("couldn't copy the tree: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return validateRun{}, err
	}
	route := ""
	if len(set) > 0 {
		route = fmt.Sprintf("    validate: [%s]\n", strings.Join(set, ", "))
	}
	listen := fmt.Sprintf("127.0.0.1:%d", port)
	config, err := writeFerryConfigWith(dir, src, dst, listen, route)
	if err != nil {
		return validateRun{}, err
	}
	logs := newLogClock()
	start := time.Now()
	d, err := startDaemon(logs, o.ferry, "--config", config, "run")
	if err != nil {
		return validateRun{}, err
	}
	defer d.kill()
	series, err := waitMoved(d, "http://"+listen+"/metrics", tree.files, 10*time.Minute)
	wall := time.Since(start)
	if err != nil {
		return validateRun{}, fmt.Errorf("%w\n%s", err, logs)
	}
	if err := d.stop(); err != nil {
		return validateRun{}, fmt.Errorf("ferry run: %w\n%s", err, logs)
	}
	r := validateRun{usage: childUsage(d.cmd.ProcessState, wall), valid: map[string]float64{},
		readBack: series[`ferry_verify_read_bytes_total{route="warcs"}`]}
	for _, v := range []string{"gzip", "warc", "nonempty"} {
		r.valid[v] = series[`ferry_validations_total{outcome="valid",route="warcs",validator="`+v+`"}`]
		r.invalid += series[`ferry_validations_total{outcome="invalid",route="warcs",validator="`+v+`"}`]
	}
	// The figures mean nothing unless each validator named ran on every file.
	for _, v := range set {
		if r.valid[v] != float64(tree.files) || r.invalid != 0 {
			return r, fmt.Errorf("ferry_validations_total says %s passed %v of %d files (%v invalid)", v, r.valid[v], tree.files, r.invalid)
		}
	}
	return r, checkMoved(want, src, dst, true)
}

// waitMoved scrapes url until ferry_files_moved_total reaches files and
// returns that scrape, every series by its name and labels.
func waitMoved(d *daemonProc, url string, files int, timeout time.Duration) (map[string]float64, error) {
	deadline := time.Now().Add(timeout)
	for {
		series, err := scrape(url)
		if err == nil && series[`ferry_files_moved_total{route="warcs"}`] >= float64(files) {
			return series, nil
		}
		select {
		case err := <-d.exited:
			return nil, fmt.Errorf("ferry exited (%v) before moving %d files", err, files)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("ferry did not move %d files within %s (last scrape: %v)", files, timeout, err)
		}
	}
}

// scrape reads a Prometheus text exposition into series name{labels} -> value.
func scrape(url string) (map[string]float64, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	series := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		i := strings.LastIndexByte(line, ' ')
		if strings.HasPrefix(line, "#") || i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			series[line[:i]] = v
		}
	}
	return series, sc.Err()
}

// printValidate writes the validate table: per set the medians, the CPU it
// adds per GB of files over the set before, and the bytes read back.
func printValidate(out io.Writer, reps int, tree warcTree, runs [][]validateRun) {
	gb := float64(tree.bytes) / 1e9
	fmt.Fprintf(out, "### Validators: %d gzip'd WARCs written by gowarc, local disk to local disk, `ferry run`\n\n", tree.files)
	fmt.Fprintf(out, "%d files, %.1f MB on disk (%.1f MB of WARC records before gzip); median of %d runs each. "+
		"Read back = ferry_verify_read_bytes_total, scraped from the daemon once ferry_files_moved_total reached %d "+
		"(the delete's last check also reads each copy's first 64 KiB from the backend, not counted there).\n\n",
		tree.files, float64(tree.bytes)/1e6, float64(tree.recorded)/1e6, reps, tree.files)
	fmt.Fprintln(out, "| validate | wall s | CPU s | CPU s per GB | CPU s per GB added | read back MB, each run | read back / file bytes |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---:|")
	once := true
	var added []string
	var prev usage
	for i, set := range validateSets {
		us := make([]usage, len(runs[i]))
		var reads []string
		for j, r := range runs[i] {
			us[j] = r.usage
			reads = append(reads, fmt.Sprintf("%.1f", r.readBack/1e6))
			once = once && r.readBack == float64(tree.bytes)
		}
		m := medians(us)
		name, add := "[]", ""
		if len(set) > 0 {
			name = "[" + strings.Join(set, ", ") + "]"
			perGB := (m.cpu - prev.cpu).Seconds() / gb
			add = fmt.Sprintf("%+.1f", perGB)
			added = append(added, fmt.Sprintf("%s %+.1f", set[len(set)-1], perGB))
		}
		fmt.Fprintf(out, "| %s | %.2f | %.2f | %.1f | %s | %s | %.3f |\n", name, m.wall.Seconds(), m.cpu.Seconds(),
			m.cpu.Seconds()/gb, add, strings.Join(reads, ", "), runs[i][len(runs[i])/2].readBack/float64(tree.bytes))
		prev = m
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "- CPU s added per GB of files: %s (each validator over the set before it; CPU = the daemon's user+system from its rusage)\n",
		strings.Join(added, ", "))
	target(out, "the verifier reads each file once (read back == file bytes, every run)", once, "%d bytes of files", tree.bytes)
	fmt.Fprintln(out)
}
