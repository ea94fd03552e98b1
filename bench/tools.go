package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// bins are the programs under test.
type bins struct{ ferry, rclone string }

// runSpec is one tool run: a fresh source and destination, a private
// directory for state and caches, rclone remotes in env, and the network
// namespace to run in ("" for this one).
type runSpec struct {
	bins
	src, dst, dir string
	env           []string
	ns            string
	logs          io.Writer // ferry's stderr, line by line, or nil
}

// tool is one way to move a tree.
type tool struct {
	name    string
	deletes bool // moves (sources must be gone after) rather than copies
	run     func(r runSpec) (usage, error)
}

// includes are the recipe's filters (../shared/REFERENCE.md, "Peers").
var includes = []string{"--include", "*.warc.gz", "--include", "crawl.log.cp*"}

var tools = []tool{
	{name: "ferry", deletes: true, run: runFerry},
	{name: "recipe", deletes: true, run: runRecipe},
	{name: "upload-only", run: runUpload},
}

// rclone builds one rclone CLI command with a private empty config and
// cache (the recipe's hasher database starts empty every run).
func (r runSpec) rclone(args ...string) []string {
	argv := append([]string{r.bins.rclone}, args...)
	argv = append(argv, "--config", filepath.Join(r.dir, "rclone.conf"), "--cache-dir", filepath.Join(r.dir, "rclone-cache"))
	return r.inNS(append(argv, includes...))
}

func (r runSpec) inNS(argv []string) []string {
	if r.ns == "" {
		return argv
	}
	return append([]string{"ip", "netns", "exec", r.ns}, argv...)
}

func runUpload(r runSpec) (usage, error) {
	return runChild(r.rclone("copy", "--no-traverse", "--immutable", r.src, r.dst), r.env, nil)
}

// runRecipe is the UKWA recipe: copy, check --download against a hasher
// over the destination, move --checksum through the same hasher.
func runRecipe(r runSpec) (usage, error) {
	env := slices.Concat(r.env, []string{"RCLONE_CONFIG_BENCHHASH_TYPE=hasher", "RCLONE_CONFIG_BENCHHASH_REMOTE=" + r.dst})
	steps := [][]string{
		r.rclone("copy", "--no-traverse", "--immutable", r.src, r.dst),
		r.rclone("check", "--download", "--one-way", "--no-traverse", "--immutable", r.src, "benchhash:"),
		r.rclone("move", "--checksum", "--no-traverse", "--immutable", r.src, "benchhash:"),
	}
	var total usage
	for _, argv := range steps {
		u, err := runChild(argv, env, nil)
		total.add(u)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// runFerry runs `ferry run --once` with the default config: only host,
// state_dir and one route with source and destination, and the metrics
// listener (on by default) on a free port, as other ferries on this machine
// may hold the default one.
func runFerry(r runSpec) (usage, error) {
	config, err := writeFerryConfig(r.dir, r.src, r.dst)
	if err != nil {
		return usage{}, err
	}
	return runChild(r.inNS([]string{r.bins.ferry, "--config", config, "run", "--once"}), r.env, r.logs)
}

// otherFerry is runFerry with another ferry binary, as a row of its own.
func otherFerry(name, bin string) tool {
	return tool{name: "ferry " + name, deletes: true, run: func(r runSpec) (usage, error) {
		r.bins.ferry = bin
		return runFerry(r)
	}}
}

func writeFerryConfig(dir, src, dst string) (string, error) {
	return writeFerryConfigWith(dir, src, dst, "127.0.0.1:0", "")
}

// writeFerryConfigWith is writeFerryConfig with the metrics listener at
// listen and route's lines (YAML, indented as the route's keys) added.
func writeFerryConfigWith(dir, src, dst, listen, route string) (string, error) {
	path := filepath.Join(dir, "ferry.yaml")
	yaml := fmt.Sprintf("host: bench\nstate_dir: %q\nmetrics: {listen: %q}\nroutes:\n  - name: warcs\n    source: %q\n    destination: %q\n%s",
		filepath.Join(dir, "state"), listen, src, dst, route)
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		return "", fmt.Errorf("couldn't write ferry config: %w", err)
	}
	return path, nil
}
