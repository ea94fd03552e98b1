package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// workload is a tree moved by every tool to one kind of destination.
type workload struct {
	name   string
	title  string
	tree   treeSpec
	target string // "local", "s3" (loopback) or "link" (shaped, in namespaces)
}

// result is the medians of one tool's runs on a workload.
type result struct {
	tool string
	usage
}

// compare moves w's tree reps times with each tool, the tools interleaved
// so that the machine's noise hits all alike, and returns the medians in
// the order of tools.
func compare(o options, w workload) ([]result, error) {
	dir, err := os.MkdirTemp(o.tmp, "bench-"+w.name+"-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	master := filepath.Join(dir, "master")
	if err := w.tree.write(master); err != nil {
		return nil, err
	}
	want, err := hashTree(master)
	if err != nil {
		return nil, err
	}
	dest, err := openDestination(o, w.target, filepath.Join(dir, "served"))
	if err != nil {
		return nil, err
	}
	defer dest.close()

	all := append(slices.Clone(tools), o.others...)
	runs := map[string][]usage{}
	for rep := range o.reps {
		for _, t := range all {
			name := fmt.Sprintf("%s-%d", strings.ReplaceAll(t.name, " ", "-"), rep)
			u, err := runLogged(o, w.name+"-"+name, func(logs io.Writer) (usage, error) {
				return runOnce(o, t, dest, want, master, filepath.Join(dir, name), logs)
			})
			if err != nil {
				return nil, fmt.Errorf("%s, %s run %d: %w", w.name, t.name, rep+1, err)
			}
			o.progress("%s: %s run %d: %.2fs", w.name, t.name, rep+1, u.wall.Seconds())
			runs[t.name] = append(runs[t.name], u)
		}
	}
	var out []result
	for _, t := range all {
		out = append(out, result{tool: t.name, usage: medians(runs[t.name])})
	}
	return out, nil
}

// runOnce gives t a fresh copy of the master tree and a fresh destination,
// runs it, and checks what it left.
func runOnce(o options, t tool, dest *destination, want map[string][32]byte, master, dir string, logs io.Writer) (usage, error) {
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "heritrix")
	if err := copyTree(master, src); err != nil {
		return usage{}, fmt.Errorf("couldn't copy the tree: %w", err)
	}
	remote, disk, err := dest.fresh(dir, filepath.Base(dir))
	if err != nil {
		return usage{}, err
	}
	defer os.RemoveAll(disk)
	r := runSpec{bins: o.bins, src: src, dst: remote, dir: dir, env: dest.env, ns: dest.ns, logs: logs}
	u, err := t.run(r)
	if err != nil {
		return u, err
	}
	return u, checkMoved(want, src, disk, t.deletes)
}

// runLogged runs run with its ferry's log kept in o.logs as name.log,
// when -logs is given, and says in the progress lines when ferry retried
// a job: a run with a retry waited out its backoff (10 s at first), so its
// time says more about the server than about ferry.
func runLogged(o options, name string, run func(logs io.Writer) (usage, error)) (usage, error) {
	const retried = `msg="job failed; will retry"`
	retries := newLogClock(retried)
	var logs io.Writer = retries
	if o.logs != "" {
		if err := os.MkdirAll(o.logs, 0o755); err != nil {
			return usage{}, err
		}
		f, err := os.Create(filepath.Join(o.logs, name+".log"))
		if err != nil {
			return usage{}, err
		}
		defer f.Close()
		logs = io.MultiWriter(retries, f)
	}
	u, err := run(logs)
	if n, _, _ := retries.seen(retried); n > 0 {
		o.progress("%s: ferry retried %d job(s); the first: %s", name, n, retries.firstLine(retried))
	}
	return u, err
}

// destination is where a workload's tools write: a local directory, or
// buckets of an `rclone serve s3`, maybe across the shaped link.
type destination struct {
	s3   *s3Server
	link *link
	ns   string   // where the tools run
	env  []string // rclone remotes
}

func openDestination(o options, target, dir string) (*destination, error) {
	d := &destination{}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var err error
	switch target {
	case "local":
		return d, nil
	case "s3":
		d.s3, err = startS3(o.rclone, "", dir, "127.0.0.1:0")
	case "link":
		if d.link, err = newLink(o.rate); err != nil {
			return nil, err
		}
		d.ns = d.link.client
		d.s3, err = startS3(o.rclone, d.link.server, dir, d.link.serverAddr+":9000")
	default:
		err = fmt.Errorf("unknown target %q", target)
	}
	if err != nil {
		d.close()
		return nil, err
	}
	d.env = d.s3.remoteEnv()
	return d, nil
}

// fresh makes an empty destination named name and returns the remote the
// tools are given and the directory its files land in.
func (d *destination) fresh(dir, name string) (remote, disk string, err error) {
	if d.s3 == nil {
		disk = filepath.Join(dir, "destination")
		return disk, disk, nil
	}
	disk = filepath.Join(d.s3.dir, name) // a bucket is a directory of the served one
	return "bench:" + name, disk, os.Mkdir(disk, 0o755)
}

func (d *destination) close() {
	if d.s3 != nil {
		d.s3.stop()
	}
	if d.link != nil {
		d.link.remove()
	}
}

func medians(us []usage) usage {
	pick := func(f func(usage) int64) int64 {
		vs := make([]int64, len(us))
		for i, u := range us {
			vs[i] = f(u)
		}
		slices.Sort(vs)
		return vs[len(vs)/2]
	}
	return usage{
		wall:  time.Duration(pick(func(u usage) int64 { return int64(u.wall) })),
		cpu:   time.Duration(pick(func(u usage) int64 { return int64(u.cpu) })),
		rssKB: pick(func(u usage) int64 { return u.rssKB }),
	}
}

// printComparison writes w's table: one row per tool, then the targets.
func printComparison(out io.Writer, w workload, reps int, rs []result) {
	files, bytes := w.tree.files()
	byTool := map[string]usage{}
	for _, r := range rs {
		byTool[r.tool] = r.usage
	}
	upload, recipe, ferry := byTool["upload-only"], byTool["recipe"], byTool["ferry"]
	fmt.Fprintf(out, "### %s\n\n%d files, %.1f MB; median of %d runs each.\n\n", w.title, files, float64(bytes)/1e6, reps)
	fmt.Fprintln(out, "| tool | wall s | MB/s | files/s | share of upload-only | CPU s | CPU s per GB | peak RSS MB | time ferry/recipe |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range rs {
		secs := r.wall.Seconds()
		ratio := ""
		if strings.HasPrefix(r.tool, "ferry") {
			ratio = fmt.Sprintf("%.2f", secs/recipe.wall.Seconds())
		}
		fmt.Fprintf(out, "| %s | %.2f | %.1f | %.1f | %.2f | %.2f | %.1f | %.0f | %s |\n", r.tool, secs,
			float64(bytes)/1e6/secs, float64(files)/secs, upload.wall.Seconds()/secs, r.cpu.Seconds(),
			r.cpu.Seconds()/(float64(bytes)/1e9), float64(r.rssKB)/1024, ratio)
	}
	fmt.Fprintln(out)
	share := upload.wall.Seconds() / ferry.wall.Seconds()
	perGB := func(u usage) float64 { return u.cpu.Seconds() / (float64(bytes) / 1e9) }
	switch w.name {
	case "link":
		target(out, "ferry's share of upload-only >= 0.90", share >= 0.90, "%.3f", share)
		target(out, "ferry's CPU s per verified GB <= the recipe's", perGB(ferry) <= perGB(recipe), "%.1f vs %.1f", perGB(ferry), perGB(recipe))
		target(out, "ferry's peak RSS <= 150 MB", ferry.rssKB <= 150*1024, "%.0f MB", float64(ferry.rssKB)/1024)
	case "small-local", "small-s3":
		ratio := ferry.wall.Seconds() / recipe.wall.Seconds()
		target(out, "ferry's files/s >= the recipe's (time ferry/recipe <= 1.0)", ratio <= 1.0, "%.2f", ratio)
	default:
		return
	}
	fmt.Fprintln(out)
}

// target prints one target of the issue and whether this run met it.
func target(out io.Writer, what string, met bool, format string, args ...any) {
	verdict := "met"
	if !met {
		verdict = "NOT met"
	}
	fmt.Fprintf(out, "- target: %s: %s (%s)\n", what, verdict, fmt.Sprintf(format, args...))
}
