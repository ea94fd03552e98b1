package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/ferrydata/ferry/internal/ledger"
)

func statusCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "status",
		Usage:     "where is my file? With paths: their ledger records; without: counts by route and state",
		ArgsUsage: "[PATH...]",
		Flags:     []cli.Flag{&cli.StringFlag{Name: "route", Usage: "only this route"}},
		Action: client(func(c *cli.Context, sys *system) error {
			return runStatus(c.Context, sys.ledger, c.String("route"), c.Args().Slice(), stdout)
		}),
	}
}

// runStatus prints records matching paths (exact, or by trailing path
// elements), or a count per route and state.
func runStatus(ctx context.Context, l *ledger.Ledger, route string, paths []string, out io.Writer) error {
	counts := map[string]map[ledger.State]int{}
	var found []*ledger.Record
	err := l.Records(ctx, route, func(r *ledger.Record) error {
		if len(paths) == 0 {
			if counts[r.Route] == nil {
				counts[r.Route] = map[ledger.State]int{}
			}
			counts[r.Route][r.State]++
		}
		for _, p := range paths {
			if r.Path == p || strings.HasSuffix(r.Path, "/"+strings.TrimPrefix(p, "/")) {
				found = append(found, r)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	if len(paths) == 0 {
		fmt.Fprintln(tw, "ROUTE\tSTATE\tFILES")
		for _, r := range sortedKeys(counts) {
			for _, st := range []ledger.State{ledger.Closed, ledger.Batched, ledger.Copying, ledger.Copied,
				ledger.Verifying, ledger.Moved, ledger.Verified, ledger.Failed} {
				if n := counts[r][st]; n > 0 {
					fmt.Fprintf(tw, "%s\t%s\t%d\n", r, st, n)
				}
			}
		}
		return nil
	}
	if len(found) == 0 {
		if keep := l.Keep(); keep > 0 {
			return fmt.Errorf("no ledger record for %s: never announced, or moved more than ledger.keep (%s) ago, when its record expired",
				strings.Join(paths, ", "), keep)
		}
		return fmt.Errorf("no ledger record for %s", strings.Join(paths, ", "))
	}
	fmt.Fprintln(tw, "ROUTE\tHOST\tPATH\tSTATE\tJOB\tSIZE\tHASH\tATTEMPTS\tREASON\tUPDATED\tLAST ERROR")
	for _, r := range found {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%d\t%s\t%s\t%s\n", r.Route, r.Host, r.Path, r.State,
			r.JobID, r.Size, r.Hash, r.Attempts, r.Reason, r.Updated.Format(time.RFC3339), r.LastError)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
