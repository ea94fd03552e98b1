package main

import (
	"fmt"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// usage is what one tool run cost: wall time, and from the children's
// rusage the CPU seconds (user+sys) and the largest peak RSS.
type usage struct {
	wall, cpu time.Duration
	rssKB     int64
}

// add accounts for one more child of a tool that runs several in sequence
// (the recipe's three commands): times add up, peak RSS is the largest.
func (u *usage) add(v usage) {
	u.wall += v.wall
	u.cpu += v.cpu
	u.rssKB = max(u.rssKB, v.rssKB)
}

// runChild runs argv with env added to the harness's own, optionally
// copying its stderr line by line to logs, and fails with its output when it
// exits non-zero.
func runChild(argv, env []string, logs io.Writer) (usage, error) {
	return runChildWatched(argv, env, logs, nil)
}

// runChildWatched is runChild with watch, if not nil, run beside the child
// from its start until it exits (done closes then).
func runChildWatched(argv, env []string, logs io.Writer, watch func(pid int, done <-chan struct{})) (usage, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(cmd.Environ(), env...)
	out := newLogClock() // only the tail of the output is kept
	cmd.Stdout = out
	cmd.Stderr = out
	if logs != nil {
		cmd.Stderr = io.MultiWriter(out, logs)
	}
	start := time.Now()
	err := cmd.Start()
	if err == nil {
		done := make(chan struct{})
		watched := make(chan struct{})
		if watch != nil {
			go func() { defer close(watched); watch(cmd.Process.Pid, done) }()
		} else {
			close(watched)
		}
		err = cmd.Wait()
		close(done)
		<-watched
	}
	u := usage{wall: time.Since(start)}
	if cmd.ProcessState != nil {
		u = childUsage(cmd.ProcessState, u.wall)
	}
	if err != nil {
		return u, fmt.Errorf("%s failed: %w\n%s", strings.Join(argv, " "), err, tail(out.String(), 4000))
	}
	return u, nil
}

func childUsage(ps interface{ SysUsage() any }, wall time.Duration) usage {
	u := usage{wall: wall}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		u.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		u.rssKB = ru.Maxrss // kilobytes on Linux
	}
	return u
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
