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

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}

// run is main without the process: the CLI is testable through it. SIGINT
// and SIGTERM cancel the root context here and nowhere else.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	err := newApp(stdout, stderr).RunContext(ctx, args)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errFailures):
		fmt.Fprintln(stderr, "ferry:", err)
		return 1
	default:
		fmt.Fprintln(stderr, "ferry:", err)
		return 2
	}
}
