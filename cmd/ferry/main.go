// Command ferry moves closed files into long-term storage and deletes a
// source only after its copy was read back and its hash matched.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// errFailures means the command ran but some files failed; exit code 1.
var errFailures = errors.New("some files failed")

// errIncomplete means no file failed but some were not moved at all
// (skipped for their names or type, or unreadable); exit code 3.
var errIncomplete = errors.New("the run is incomplete")

// errInterrupted means a second signal came while stopping: exit at once.
var errInterrupted = errors.New("interrupted again while stopping; exiting at once")

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}

// run is main without the process: the CLI is testable through it. SIGINT
// and SIGTERM cancel the root context here and nowhere else; the command
// then has its shutdown grace to return, and a second signal ends the wait.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	done := make(chan error, 1)
	go func() { done <- newApp(stdout, stderr).RunContext(ctx, args) }()
	var err error
	select {
	case err = <-done:
	case <-sigs:
		cancel()
		select {
		case err = <-done:
		case sig := <-sigs:
			err = fmt.Errorf("%s: %w", sig, errInterrupted)
		}
	}
	return exitCode(err, stderr)
}

// exitCode maps a command's error to the process's exit code, in one place.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errFailures):
		fmt.Fprintln(stderr, "ferry:", err)
		return 1
	case errors.Is(err, errIncomplete):
		fmt.Fprintln(stderr, "ferry:", err)
		return 3
	case errors.Is(err, errInterrupted):
		fmt.Fprintln(stderr, "ferry:", err)
		return 130
	default:
		fmt.Fprintln(stderr, "ferry:", err)
		return 2
	}
}
