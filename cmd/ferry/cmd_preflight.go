package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/ferrydata/ferry/internal/config"
	"github.com/ferrydata/ferry/internal/transfer"
)

// errPreflight: some check failed; the table says which.
var errPreflight = errors.New("preflight failed")

func preflightCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name: "preflight",
		Usage: "check every route's credentials and storage before a fleet starts: read the secrets, open and list " +
			"source and destination, write, read back and delete a probe under " + transfer.PreflightDir +
			"/ at the destination, and check that source and destination are different storage",
		Action: configured(func(c *cli.Context, cfg *config.Config, log *slog.Logger) error {
			return runPreflight(c.Context, cfg, log, stdout)
		}),
	}
}

// check is one row of the preflight table.
type check struct {
	route, what string
	err         error
	detail      string // on success
	skipped     bool
}

func runPreflight(ctx context.Context, cfg *config.Config, log *slog.Logger, stdout io.Writer) error {
	tmp, err := os.MkdirTemp("", "ferry-preflight-")
	if err != nil {
		return fmt.Errorf("couldn't create a temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	rc := *cfg
	rc.StateDir = tmp // the rclone cache: preflight must not need the state dir
	var rows []check
	_, err = initRclone(ctx, &rc, log)
	rows = append(rows, check{route: "*", what: "read rclone config", err: err,
		detail: fmt.Sprintf("%d secrets, config file, environment", len(cfg.Rclone.Secrets))})
	if err == nil {
		passed := true
		for i, r := range cfg.Routes {
			route := preflightRoute(ctx, i, r)
			passed = passed && allPassed(route)
			rows = append(rows, route...)
		}
		// Across routes only once each stands alone: the probe would write
		// where a route's checks failed (and make a missing bucket).
		all := check{route: "*", what: "all routes: different storage", skipped: !passed, detail: "no destination is any route's source"}
		if passed {
			all.err = transfer.ProbeOverlap(ctx, routeStorage(cfg))
		}
		rows = append(rows, all)
	}
	failed := printChecks(stdout, rows)
	if failed > 0 {
		return fmt.Errorf("%d of %d checks failed: %w", failed, len(rows), errPreflight)
	}
	return nil
}

// preflightRoute runs one route's checks, each after the one it needs.
func preflightRoute(ctx context.Context, i int, r config.Route) []check {
	var rows []check
	add := func(what string, err error, detail string) bool {
		rows = append(rows, check{route: r.Name, what: what, err: err, detail: detail})
		return err == nil
	}
	skip := func(whats ...string) []check {
		for _, w := range whats {
			rows = append(rows, check{route: r.Name, what: w, skipped: true})
		}
		return rows
	}
	var undefined []string
	for _, spec := range []string{r.Source, r.Destination} {
		undefined = append(undefined, transfer.UndefinedRemotes(spec)...)
	}
	var undefErr error
	if len(undefined) > 0 {
		undefErr = errors.New(strings.Join(undefined, "; "))
	}
	if !add("remotes defined", undefErr, "every remote it names is configured") {
		return skip("open source", "list source", "list destination", "open destination", "probe write/read/delete", "different storage")
	}
	srcOK := false
	src, err := transfer.OpenSource(ctx, r.Source)
	if add("open source", err, r.Source) {
		found, err := transfer.ListSource(ctx, src)
		srcOK = add("list source", err, map[bool]string{true: "lists files", false: "lists, empty"}[found])
	} else {
		skip("list source")
	}
	n, err := transfer.ListDestination(ctx, r.Destination)
	if !add("list destination", err, fmt.Sprintf("%d entries at its root", n)) {
		return skip("open destination", "probe write/read/delete", "different storage")
	}
	hash, err := transfer.ParseHashType(r.Hash)
	var dst *transfer.Destination
	if err == nil {
		dst, err = transfer.OpenDestination(ctx, r.Destination, hash)
	}
	if !add("open destination", err, r.Destination) {
		return skip("probe write/read/delete", "different storage")
	}
	rel, err := dst.Probe(ctx)
	add("probe write/read/delete", err, rel+" written, read back, hash equal, deleted")
	if !srcOK {
		return skip("different storage")
	}
	err = transfer.ProbeOverlap(ctx, []transfer.RouteStorage{{Index: i, Name: r.Name, Source: r.Source, Destination: r.Destination}})
	add("different storage", err, "the destination is not the source")
	return rows
}

func allPassed(rows []check) bool {
	for _, r := range rows {
		if r.err != nil || r.skipped {
			return false
		}
	}
	return true
}

// printChecks writes the table and returns how many checks failed.
func printChecks(w io.Writer, rows []check) (failed int) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROUTE\tCHECK\tRESULT\tDETAIL")
	for _, r := range rows {
		result, detail := "ok", r.detail
		switch {
		case r.skipped:
			result, detail = "skipped", "an earlier check failed"
		case r.err != nil:
			result, detail = "FAIL", strings.ReplaceAll(r.err.Error(), "\n", "; ")
			failed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.route, r.what, result, detail)
	}
	_ = tw.Flush()
	return failed
}
