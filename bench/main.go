package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"time"
)

// options are the command line.
type options struct {
	bins
	reps      int
	only      map[string]bool // workloads to run; empty: all
	rate      string          // the shaped link's rate, each way
	backlog   []int           // backlog sizes
	latencyN  int             // files closed one at a time
	tmp       string
	logs      string // where each ferry run's stderr is kept, or ""
	progressW io.Writer
	// others are more ferry binaries (-compare), each run beside the
	// three tools as one more row: a change measured side by side with
	// the ferry it changes, in one run on the same data.
	others []tool
}

func (o options) progress(format string, args ...any) {
	fmt.Fprintf(o.progressW, "bench: "+format+"\n", args...)
}

// bucketSafe is a name that may be part of an S3 bucket's name.
var bucketSafe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

const (
	kB = 1000
	MB = 1000 * kB
)

// workloads are the comparisons of issue 8, "What it must show", item 1.
var workloads = []workload{
	{name: "link", title: "16 x 25 MB to rclone serve s3 over a 200 Mbit/s full-duplex link (netns, tc tbf)",
		target: "link", tree: treeSpec{{"job/warcs", "WEB-%05d.warc.gz", 16, 25 * MB}}},
	{name: "small-local", title: "1000 x 4 KiB, local disk to local disk",
		target: "local", tree: treeSpec{{"job/warcs", "WEB-%05d.warc.gz", 1000, 4096}}},
	{name: "small-s3", title: "1000 x 4 KiB, local disk to rclone serve s3 on loopback",
		target: "s3", tree: treeSpec{{"job/warcs", "WEB-%05d.warc.gz", 1000, 4096}}},
	{name: "mixed", title: "mixed tree, 1 KB to 200 MB, local disk to rclone serve s3 on loopback",
		target: "s3", tree: treeSpec{
			{"job1/warcs", "BIG-%05d.warc.gz", 1, 200 * MB},
			{"job1/warcs", "MID-%05d.warc.gz", 4, 20 * MB},
			{"job2/warcs", "WEB-%05d.warc.gz", 10, 2 * MB},
			{"job2/warcs", "SML-%05d.warc.gz", 50, 200 * kB},
			{"job3/warcs", "TNY-%05d.warc.gz", 200, 10 * kB},
			{"job3/logs", "crawl.log.cp%05d-20261202000000", 200, 1 * kB},
		}},
}

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(args []string, out, errOut io.Writer) error {
	o, err := parseFlags(args, errOut)
	if err != nil {
		return err
	}
	needs := []string{o.ferry}
	if o.comparing() {
		needs = append(needs, o.rclone)
	}
	for _, bin := range needs {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("couldn't find %s (make build rclone): %w", bin, err)
		}
	}
	printMachine(out, o, args)
	for _, w := range workloads {
		if !o.wants(w.name) {
			continue
		}
		if why := canShape(); w.target == "link" && why != "" {
			fmt.Fprintf(out, "### %s\n\nskipped: %s.\n\n", w.title, why)
			continue
		}
		rs, err := compare(o, w)
		if err != nil {
			return err
		}
		printComparison(out, w, o.reps, rs)
	}
	if o.wants("validate") {
		if err := validateWorkload(o, out); err != nil {
			return err
		}
	}
	if o.wants("latency") {
		if err := latency(o, out); err != nil {
			return err
		}
	}
	for _, n := range o.backlog {
		if o.wants("backlog") {
			if err := backlog(o, out, n); err != nil {
				return err
			}
		}
		if o.only["ledger-state"] { // opt-in: minutes per 100,000 files
			if err := ledgerState(o, out, n); err != nil {
				return err
			}
		}
		if o.wants("backlog-split") {
			if err := backlogSplit(o, out, n); err != nil {
				return err
			}
		}
	}
	return nil
}

func parseFlags(args []string, errOut io.Writer) (options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(errOut)
	o := options{progressW: errOut}
	fs.StringVar(&o.ferry, "ferry", "bin/ferry", "the ferry binary")
	fs.StringVar(&o.rclone, "rclone", "bin/rclone", "the rclone CLI (at ferry's rclone version)")
	fs.IntVar(&o.reps, "n", 3, "runs of each tool per workload (the median is reported)")
	only := fs.String("only", "", "comma-separated workloads: link, small-local, small-s3, mixed, validate, latency, backlog, backlog-split, ledger-state (default all but ledger-state)")
	fs.StringVar(&o.rate, "rate", "200mbit", "the shaped link's rate in each direction (tc syntax)")
	backlogs := fs.String("backlog", "20000", "comma-separated numbers of waiting files for the backlog benchmark")
	fs.IntVar(&o.latencyN, "latency-files", 20, "files closed one at a time in the latency benchmark")
	fs.StringVar(&o.tmp, "tmp", os.TempDir(), "where the trees, destinations and state dirs go")
	fs.StringVar(&o.logs, "logs", "", "a directory to keep each ferry run's log in (comparison workloads), as <workload>-<tool>-<run>.log")
	others := fs.String("compare", "", "comma-separated name=binary (name: a-z, 0-9, -): more ferry binaries, run interleaved with the tools as rows \"ferry name\" (comparison workloads)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.reps < 1 || o.latencyN < 1 {
		return o, errors.New("-n and -latency-files must be at least 1")
	}
	o.only = map[string]bool{}
	for _, name := range strings.Split(*only, ",") {
		if name != "" {
			o.only[name] = true
		}
	}
	for _, spec := range strings.Split(*others, ",") {
		if spec == "" {
			continue
		}
		name, bin, ok := strings.Cut(spec, "=")
		if !ok || bin == "" || !bucketSafe.MatchString(name) {
			return o, fmt.Errorf("-compare %q: want name=binary, the name of a-z, 0-9 and - (it names S3 buckets)", spec)
		}
		o.others = append(o.others, otherFerry(name, bin))
	}
	for _, s := range strings.Split(*backlogs, ",") {
		var n int
		if _, err := fmt.Sscan(s, &n); err != nil || n < 1 {
			return o, fmt.Errorf("-backlog %q: want positive numbers", *backlogs)
		}
		o.backlog = append(o.backlog, n)
	}
	return o, nil
}

func (o options) wants(name string) bool { return len(o.only) == 0 || o.only[name] }

// comparing reports whether a workload that runs rclone is wanted.
func (o options) comparing() bool {
	for _, w := range workloads {
		if o.wants(w.name) {
			return true
		}
	}
	return false
}

// printMachine heads the output: when, on what, with what command.
func printMachine(out io.Writer, o options, args []string) {
	cpu := "unknown"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	load, _ := os.ReadFile("/proc/loadavg")
	rcloneVersion := []byte("not run")
	if o.comparing() {
		rcloneVersion, _ = exec.Command(o.rclone, "version").Output()
	}
	fmt.Fprintf(out, "## ferry benchmark, %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(out, "- machine: %d CPUs (%s), kernel %s, %s\n", runtime.NumCPU(), cpu, strings.TrimSpace(string(kernel)), runtime.Version())
	if fields := strings.Fields(string(load)); len(fields) >= 3 {
		fmt.Fprintf(out, "- load average at start: %s (other work on this machine slows every tool alike)\n", strings.Join(fields[:3], " "))
	}
	fmt.Fprintf(out, "- rclone CLI: %s\n", strings.SplitN(string(rcloneVersion), "\n", 2)[0])
	fmt.Fprintf(out, "- command: `%s`\n\n", strings.TrimSpace("go run ./bench "+strings.Join(args, " ")))
}
