package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/ferrydata/ferry/internal/bus"
)

func deadCommand(stdout io.Writer) *cli.Command {
	jsonFlag := &cli.BoolFlag{Name: "json", Usage: "print JSON: the dead letters as stored, with their seq"}
	return &cli.Command{
		Name:  "dead",
		Usage: "dead letters: files that need an operator",
		Subcommands: []*cli.Command{
			{Name: "list", Usage: "list dead letters with their reasons", Flags: []cli.Flag{jsonFlag},
				Action: client(func(c *cli.Context, sys *system) error {
					return listDead(c.Context, sys, c.Bool("json"), stdout)
				})},
			{Name: "show", Usage: "one dead letter in full: every file, the whole error", ArgsUsage: "SEQ",
				Flags: []cli.Flag{jsonFlag},
				Action: client(func(c *cli.Context, sys *system) error {
					return showDead(c.Context, sys, c.Args().Slice(), c.Bool("json"), stdout)
				})},
			{Name: "replay", Usage: "put the files back with a fresh attempt count: mark them replayed in the ledger (their history kept) so the watcher announces those still on disk, then drop the letters",
				ArgsUsage: "SEQ... (or --all)",
				Flags:     []cli.Flag{&cli.BoolFlag{Name: "all", Usage: "replay every dead letter"}},
				Action: client(func(c *cli.Context, sys *system) error {
					return replayDead(c.Context, sys, c.Bool("all"), c.Args().Slice(), stdout)
				})},
			{Name: "drop", Usage: "forget dead letters; their files stay where they are, are never touched, and are not retried",
				ArgsUsage: "SEQ... --yes",
				Flags:     []cli.Flag{&cli.BoolFlag{Name: "yes", Usage: "really drop them"}},
				Action: client(func(c *cli.Context, sys *system) error {
					return dropDead(c.Context, sys, c.Bool("yes"), c.Args().Slice(), stdout)
				})},
		},
	}
}

func listDead(ctx context.Context, sys *system, asJSON bool, out io.Writer) error {
	letters, err := sys.bus.DeadLetters(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		if letters == nil {
			letters = []bus.StoredDeadLetter{}
		}
		return writeJSON(out, letters)
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

func showDead(ctx context.Context, sys *system, args []string, asJSON bool, out io.Writer) error {
	if len(args) != 1 {
		return errors.New("name one dead letter by SEQ (see ferry dead list)")
	}
	letters, err := selectDead(ctx, sys, false, args)
	if err != nil {
		return err
	}
	d := letters[0]
	if asJSON {
		return writeJSON(out, d)
	}
	fmt.Fprintf(out, "seq %d, %s, stage %s, route %s, host %s, job %s, attempts %d\nreason %s\n", d.Seq,
		d.At.Format(time.RFC3339), d.Stage, dash(d.Route), dash(d.Host), dash(d.JobID), d.Attempts, d.Reason)
	if d.Error != "" {
		fmt.Fprintf(out, "error:\n  %s\n", strings.ReplaceAll(d.Error, "\n", "\n  "))
	}
	for _, f := range d.Files {
		fmt.Fprintf(out, "file %q: %d bytes, mtime %s, hash %s\n  %s: %s\n", f.File.Path, f.File.Size,
			f.File.MTime().UTC().Format(time.RFC3339Nano), dash(f.File.Hash), f.Reason, strings.ReplaceAll(f.Error, "\n", "\n  "))
	}
	if len(d.Raw) > 0 {
		fmt.Fprintf(out, "raw message (%d bytes): %q\n", len(d.Raw), d.Raw)
	}
	return nil
}

// selectDead returns the letters named by seq, or every letter with all;
// a seq that names no letter is an error, so a typo does nothing.
func selectDead(ctx context.Context, sys *system, all bool, seqs []string) ([]bus.StoredDeadLetter, error) {
	if !all && len(seqs) == 0 {
		return nil, errors.New("name dead letters by SEQ, or use --all")
	}
	want := map[uint64]bool{}
	for _, s := range seqs {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("SEQ %q: want a number from ferry dead list", s)
		}
		want[n] = true
	}
	letters, err := sys.bus.DeadLetters(ctx)
	if err != nil {
		return nil, err
	}
	var out []bus.StoredDeadLetter
	for _, d := range letters {
		if all || want[d.Seq] {
			out = append(out, d)
			delete(want, d.Seq)
		}
	}
	for seq := range want {
		return nil, fmt.Errorf("no dead letter %d (see ferry dead list)", seq)
	}
	return out, nil
}

func replayDead(ctx context.Context, sys *system, all bool, seqs []string, out io.Writer) error {
	letters, err := selectDead(ctx, sys, all, seqs)
	if err != nil {
		return err
	}
	replayed := 0
	for _, d := range letters {
		for _, f := range d.Files {
			if err := sys.ledger.Reset(ctx, d.Route, d.Host, f.File.Path); err != nil {
				return err
			}
			replayed++
		}
		// The job's failures counted toward max_attempts; a replayed file
		// comes back in a new job anyway, so this only tidies the ledger.
		if d.JobID != "" {
			if err := sys.ledger.Forget(ctx, bus.Stage(d.Stage), d.JobID); err != nil {
				return err
			}
		}
		if err := sys.bus.DropDeadLetter(ctx, d.Seq); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "replayed %d files; the watcher announces those still on disk at its next scan, with a fresh attempt count\n", replayed)
	return nil
}

// dropDead forgets letters and nothing else: no source is touched, and
// the files' records stay failed, so the watcher does not announce them.
func dropDead(ctx context.Context, sys *system, yes bool, seqs []string, out io.Writer) error {
	if len(seqs) == 0 {
		return errors.New("name dead letters by SEQ (see ferry dead list)")
	}
	letters, err := selectDead(ctx, sys, false, seqs)
	if err != nil {
		return err
	}
	if !yes {
		return fmt.Errorf("dropping %d dead letters forgets them: their files are left where they are and never retried; add --yes", len(letters))
	}
	files := 0
	for _, d := range letters {
		if err := sys.bus.DropDeadLetter(ctx, d.Seq); err != nil {
			return err
		}
		files += len(d.Files)
	}
	fmt.Fprintf(out, "dropped %d dead letters (%d files, left untouched and not retried)\n", len(letters), files)
	return nil
}

// oneLine keeps a table row on one line: joined errors carry newlines.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " | ") }

// dash keeps an unknown field visible as "-", so every line has all its columns.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
