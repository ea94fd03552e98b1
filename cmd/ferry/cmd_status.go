package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/ferrydata/ferry/internal/bus"
	"github.com/ferrydata/ferry/internal/ledger"
)

func statusCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name: "status",
		Usage: "where is my file? Without PATH: per route and host, files per state, bytes moved, backlog, dead letters, " +
			"oldest waiting file. With PATH (absolute source path, destination path, or relative): its record and history",
		ArgsUsage: "[PATH...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "route", Usage: "only this route"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON (schema: docs/status.md)"},
			&cli.StringSliceFlag{Name: "file", Usage: "a file's `PATH`, as an argument (may be repeated)"},
		},
		Action: client(func(c *cli.Context, sys *system) error {
			paths := append(c.StringSlice("file"), c.Args().Slice()...)
			opt := statusOptions{route: c.String("route"), json: c.Bool("json"), paths: paths}
			return runStatus(c.Context, sys, opt, stdout)
		}),
	}
}

type statusOptions struct {
	route string
	json  bool
	paths []string
}

// runStatus prints the summary, or the records and histories of paths.
func runStatus(ctx context.Context, sys *system, opt statusOptions, out io.Writer) error {
	if len(opt.paths) > 0 {
		return statusOfPaths(ctx, sys, opt, out)
	}
	tally := newStatusTally(time.Now().UTC())
	if err := sys.ledger.Records(ctx, opt.route, func(r *ledger.Record) error { tally.record(r); return nil }); err != nil {
		return err
	}
	stats, err := sys.bus.StageBacklog(ctx)
	if err != nil {
		return err
	}
	for _, b := range stats {
		tally.backlog(b)
	}
	dead, err := sys.bus.DeadLetters(ctx)
	if err != nil {
		return err
	}
	for _, d := range dead {
		tally.dead(d)
	}
	report := tally.report(opt.route)
	if opt.json {
		return writeJSON(out, report)
	}
	printStatus(out, report)
	return nil
}

func printStatus(out io.Writer, report statusReport) {
	if len(report.Routes) == 0 {
		fmt.Fprintln(out, "no files known, nothing queued")
		return
	}
	for i, r := range report.Routes {
		if i > 0 {
			fmt.Fprintln(out)
		}
		fmt.Fprintf(out, "route %s, host %s\n", r.Route, r.Host)
		var files []string
		for _, st := range ledger.States() {
			if n := r.Files[st]; n > 0 {
				files = append(files, fmt.Sprintf("%s %d", st, n))
			}
		}
		if len(files) == 0 {
			files = []string{"none in the ledger"}
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "  files\t%s\n", strings.Join(files, ", "))
		fmt.Fprintf(tw, "  bytes moved\t%d (files still in the ledger)\n", r.BytesMoved)
		var queued []string
		for _, st := range []bus.Stage{bus.StageDispatch, bus.StageCopy, bus.StageVerify} {
			n := r.Backlog[st]
			queued = append(queued, fmt.Sprintf("%s %d pending, %d unacked", st, n.Pending, n.Unacked))
		}
		fmt.Fprintf(tw, "  backlog\t%s\n", strings.Join(queued, "; "))
		fmt.Fprintf(tw, "  dead letters\t%d files\n", r.DeadLetters)
		if w := r.OldestWaiting; w != nil {
			fmt.Fprintf(tw, "  oldest waiting\t%s (%s, announced %s, %s ago)\n", w.Path, w.State,
				w.Since.Format(time.RFC3339), time.Duration(w.AgeSeconds)*time.Second)
		} else {
			fmt.Fprintf(tw, "  oldest waiting\tnone\n")
		}
		tw.Flush()
	}
}

// statusOfPaths prints every record matching one of the paths, with its history.
func statusOfPaths(ctx context.Context, sys *system, opt statusOptions, out io.Writer) error {
	var found []fileStatus
	match := make([]func(*ledger.Record) bool, len(opt.paths))
	for i, p := range opt.paths {
		match[i] = pathMatcher(sys.cfg.Routes, p)
	}
	err := sys.ledger.Records(ctx, opt.route, func(r *ledger.Record) error {
		for i, m := range match {
			if m(r) {
				found = append(found, fileStatus{Query: opt.paths[i], Record: *r})
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(found) == 0 {
		if keep := sys.ledger.Keep(); keep > 0 {
			return fmt.Errorf("no ledger record for %s: never announced, or moved more than ledger.keep (%s) ago, when its record expired",
				strings.Join(opt.paths, ", "), keep)
		}
		return fmt.Errorf("no ledger record for %s", strings.Join(opt.paths, ", "))
	}
	dead, err := sys.bus.DeadLetters(ctx)
	if err != nil {
		return err
	}
	events, err := sys.bus.MovedEvents(ctx, "*")
	if err != nil {
		sys.log.Warn("couldn't read arrival events; the history lacks them", "err", err)
	}
	for i := range found {
		found[i].History = history(found[i].Record, dead, events)
	}
	if opt.json {
		return writeJSON(out, found)
	}
	for i, f := range found {
		if i > 0 {
			fmt.Fprintln(out)
		}
		r := f.Record
		fmt.Fprintf(out, "%s (route %s, host %s): %s\n", r.Path, r.Route, r.Host, r.State)
		fmt.Fprintf(out, "  size %d, %s %s, job %s, attempts %d\n", r.Size, dash(r.HashType), dash(r.Hash), dash(r.JobID), r.Attempts)
		if c := r.Checks; c != nil {
			fmt.Fprintf(out, "  checks %s: %s\n", strings.Join(c.Ran, ", "), checksVerdict(c))
		}
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  TIME\tEVENT\tSTAGE\tJOB\tATTEMPTS\tREASON\tERROR")
		for _, h := range f.History {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%d\t%s\t%s\n", h.Time.Format(time.RFC3339), h.Event, dash(h.Stage),
				dash(h.Job), h.Attempts, dash(h.Reason), oneLine(h.Error))
		}
		tw.Flush()
	}
	return nil
}

// checksVerdict says what the content validators found, with the first
// fault's validator, offset and error.
func checksVerdict(c *ledger.Checks) string {
	if c.Valid {
		return "valid"
	}
	at := "unknown offset"
	if c.Offset >= 0 {
		at = fmt.Sprintf("offset %d", c.Offset)
	}
	return fmt.Sprintf("INVALID (%s at %s: %s)", dash(c.Validator), at, oneLine(c.Error))
}

func writeJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
