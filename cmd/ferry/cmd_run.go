package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"
)

func runCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "run",
		Usage: "run every role in one process (embedded JetStream unless nats.url is set)",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "once", Usage: "scan once, move and verify everything closed, print a summary, exit: " +
				"0 all moved, 1 some failed, 3 some skipped or unreadable (listed), 2 error"},
			&cli.DurationFlag{Name: "timeout", Usage: "stop after this long, as on SIGTERM (0: never)"},
		},
		Action: withTimeout("timeout", daemon(func(c *cli.Context, sys *system) error {
			if err := sys.reclaimJobs(c.Context); err != nil {
				return err
			}
			if c.Bool("once") {
				return runOnce(c.Context, sys, stdout)
			}
			return runDaemon(c.Context, sys)
		})),
	}
}

// runDaemon runs all four roles until the root context is cancelled.
func runDaemon(ctx context.Context, sys *system) error {
	roles, err := sys.roles(ctx, []string{"watcher", "dispatcher", "mover", "verifier"}, 0)
	if err != nil {
		return err
	}
	sys.log.Info("ferry running", "host", sys.cfg.Host, "routes", len(sys.cfg.Routes))
	defer sys.serving(ctx, roles)()
	return runAll(ctx, roles, roleGrace(sys.grace()), sys.log)
}

// soleProcess reports whether this process is surely the only one working
// on its queues and sources: an embedded server with no client listener and
// no cluster (the state dir's lock keeps a second `ferry run` out). With
// nats.url, a listener or a cluster, another process may hold jobs or be
// deleting a file legitimately.
func (s *system) soleProcess() bool {
	sc := s.cfg.NATS.Server
	return s.server != nil && sc.Listen == "" && sc.Cluster.Listen == "" && len(sc.Cluster.Routes) == 0
}

// reclaimJobs makes the jobs a dead predecessor held run again at once,
// instead of after their ack wait, when this process is their only consumer.
func (s *system) reclaimJobs(ctx context.Context) error {
	if !s.soleProcess() {
		return nil
	}
	held, err := s.bus.ReclaimJobs(ctx)
	if err != nil {
		return err
	}
	if held > 0 {
		s.log.Info("redelivering jobs held by the previous run", "messages", held)
	}
	return nil
}

// withTimeout ends the command's context after the duration flag named, if
// set: the timeout is then a stop like SIGTERM, with the same shutdown grace.
func withTimeout(flag string, action cli.ActionFunc) cli.ActionFunc {
	return func(c *cli.Context) error {
		if d := c.Duration(flag); d > 0 {
			ctx, cancel := context.WithTimeout(c.Context, d)
			defer cancel()
			c.Context = ctx
		}
		return action(c)
	}
}

// roles builds the named roles, refusing overlapping storage first.
// onceWait, if set, caps every batch's max_wait.
func (s *system) roles(ctx context.Context, names []string, onceWait time.Duration) (map[string]runner, error) {
	if err := s.refuseOverlap(ctx, names); err != nil {
		return nil, err
	}
	out := map[string]runner{}
	for _, name := range names {
		switch name {
		case "watcher":
			w, err := s.forRole(name).newWatcher()
			if err != nil {
				return nil, err
			}
			out[name] = s.rotation.following(w.ReopenSources, w.Run)
		case "dispatcher":
			d, err := s.forRole(name).newDispatcher(onceWait)
			if err != nil {
				return nil, err
			}
			out[name] = d.Run
		case "mover", "verifier":
			routes, err := s.workerRoutes()
			if err != nil {
				return nil, err
			}
			if name == "mover" {
				m, err := s.forRole(name).newMover(routes)
				if err != nil {
					return nil, err
				}
				out[name] = m.Run
			} else {
				v, err := s.forRole(name).newVerifier(routes)
				if err != nil {
					return nil, err
				}
				out[name] = v.Run
			}
		default:
			return nil, fmt.Errorf("unknown role %q", name)
		}
	}
	s.started(names)
	return out, nil
}
