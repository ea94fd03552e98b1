package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"
)

func deadCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "dead",
		Usage: "dead letters: files that need an operator",
		Subcommands: []*cli.Command{
			{Name: "list", Usage: "list dead letters with their reasons",
				Action: client(func(c *cli.Context, sys *system) error {
					return listDead(c.Context, sys, stdout)
				})},
			{Name: "replay", Usage: "forget the dead-lettered files in the ledger so the watcher announces them again, then drop the letters",
				ArgsUsage: "SEQ... (or --all)",
				Flags:     []cli.Flag{&cli.BoolFlag{Name: "all", Usage: "replay every dead letter"}},
				Action: client(func(c *cli.Context, sys *system) error {
					return replayDead(c.Context, sys, c.Bool("all"), c.Args().Slice(), stdout)
				})},
		},
	}
}

func listDead(ctx context.Context, sys *system, out io.Writer) error {
	letters, err := sys.bus.DeadLetters(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	fmt.Fprintln(tw, "SEQ\tAT\tSTAGE\tROUTE\tHOST\tJOB\tPATH\tREASON\tERROR")
	for _, d := range letters {
		if len(d.Files) == 0 {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t-\t%s\t%s\n", d.Seq, d.At.Format(time.RFC3339), d.Stage,
				dash(d.Route), dash(d.Host), dash(d.JobID), d.Reason, oneLine(d.Error))
		}
		for _, f := range d.Files {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%q\t%s\t%s\n", d.Seq, d.At.Format(time.RFC3339), d.Stage,
				dash(d.Route), dash(d.Host), dash(d.JobID), f.File.Path, f.Reason, oneLine(f.Error))
		}
	}
	return nil
}

// oneLine keeps a table row on one line: joined errors carry newlines.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " | ") }

func replayDead(ctx context.Context, sys *system, all bool, seqs []string, out io.Writer) error {
	want := map[string]bool{}
	for _, s := range seqs {
		want[s] = true
	}
	if !all && len(want) == 0 {
		return fmt.Errorf("name dead letters by SEQ, or use --all")
	}
	letters, err := sys.bus.DeadLetters(ctx)
	if err != nil {
		return err
	}
	replayed := 0
	for _, d := range letters {
		if !all && !want[fmt.Sprint(d.Seq)] {
			continue
		}
		for _, f := range d.Files {
			if err := sys.ledger.Reset(ctx, d.Route, d.Host, f.File.Path); err != nil {
				return err
			}
			replayed++
		}
		if err := sys.bus.DropDeadLetter(ctx, d.Seq); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "replayed %d files; the watcher announces those still on disk at its next scan\n", replayed)
	return nil
}

// dash keeps an unknown field visible as "-", so every line has all its columns.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
