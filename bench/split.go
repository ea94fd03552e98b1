package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// splitRoles are the daemons of a split deployment, each its own process
// on one `ferry nats` server.
var splitRoles = []string{"nats", "watcher", "dispatcher", "mover", "verifier"}

// backlogSplit moves a backlog of n files like backlog does, but with each
// role a process of its own (`ferry nats`, `ferry watcher`, ...), to report
// the peak RSS of each daemon. The roles run until every source is gone.
func backlogSplit(o options, out io.Writer, n int) error {
	dir, err := os.MkdirTemp(o.tmp, "bench-split-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src, dst := filepath.Join(dir, "heritrix"), filepath.Join(dir, "destination")
	o.progress("backlog, split roles: writing %d files", n)
	if err := backlogTree(n).write(src); err != nil {
		return err
	}
	want, err := hashTree(src)
	if err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	start := time.Now()
	var daemons []*daemonProc
	defer func() {
		for _, d := range daemons {
			d.kill()
		}
	}()
	for _, role := range splitRoles {
		yaml := fmt.Sprintf("host: bench\nstate_dir: %q\nmetrics: {listen: \"127.0.0.1:0\"}\n", filepath.Join(dir, "state-"+role))
		if role == "nats" {
			yaml += fmt.Sprintf("nats: {server: {listen: \"127.0.0.1:%d\"}}\n", port)
		} else {
			yaml += fmt.Sprintf("nats: {url: \"nats://127.0.0.1:%d\"}\nroutes:\n  - name: warcs\n    source: %q\n    destination: %q\n", port, src, dst)
		}
		config := filepath.Join(dir, role+".yaml")
		if err := os.WriteFile(config, []byte(yaml), 0o644); err != nil {
			return err
		}
		d, err := startDaemon(newLogClock("nats serving"), o.ferry, "--config", config, role)
		if err != nil {
			return err
		}
		daemons = append(daemons, d)
		if role == "nats" {
			if err := waitLog(d.logs, "nats serving", d.exited, 60*time.Second); err != nil {
				return err
			}
		}
	}
	o.progress("backlog, split roles: waiting for %d sources to go", n)
	for {
		left, err := countFiles(src)
		if err != nil {
			return err
		}
		if left == 0 {
			break
		}
		for i, d := range daemons {
			select {
			case err := <-d.exited:
				return fmt.Errorf("ferry %s exited (%v) with %d sources left:\n%s", splitRoles[i], err, left, d.logs)
			default:
			}
		}
		time.Sleep(time.Second)
	}
	wall := time.Since(start)
	for i := len(daemons) - 1; i >= 0; i-- { // the server last
		if err := daemons[i].stop(); err != nil {
			return fmt.Errorf("ferry %s: %w\n%s", splitRoles[i], err, daemons[i].logs)
		}
	}
	if err := checkMoved(want, src, dst, true); err != nil {
		return fmt.Errorf("backlog of %d, split roles: %w", n, err)
	}
	state, err := diskUsage(dir + "/state-nats")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "### Backlog: %d files of %d bytes, split roles\n\n", n, backlogFileSize)
	fmt.Fprintln(out, "One process per role (`ferry nats`, `ferry watcher`, `ferry dispatcher`, `ferry mover`, `ferry verifier`), default config but for the NATS address; wall = the first start to the last source gone.")
	fmt.Fprintln(out)
	fmt.Fprintf(out, "wall %.1f s, %.0f files/s, JetStream state_dir %.1f MB (%.0f bytes per file).\n\n",
		wall.Seconds(), float64(n)/wall.Seconds(), float64(state)/1e6, float64(state)/float64(n))
	fmt.Fprintln(out, "| daemon | CPU s | peak RSS MB |")
	fmt.Fprintln(out, "|---|---:|---:|")
	for i, d := range daemons {
		u := childUsage(d.cmd.ProcessState, 0)
		fmt.Fprintf(out, "| %s | %.1f | %.0f |\n", splitRoles[i], u.cpu.Seconds(), float64(u.rssKB)/1024)
	}
	fmt.Fprintln(out)
	return nil
}

// daemonProc is a long-running ferry child.
type daemonProc struct {
	cmd    *exec.Cmd
	logs   *logClock
	exited chan error
}

// startDaemon starts argv with its output going to logs.
func startDaemon(logs *logClock, argv ...string) (*daemonProc, error) {
	d := &daemonProc{cmd: exec.Command(argv[0], argv[1:]...), logs: logs, exited: make(chan error, 1)}
	d.cmd.Stdout, d.cmd.Stderr = d.logs, d.logs
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("couldn't start %v: %w", argv, err)
	}
	go func() { d.exited <- d.cmd.Wait() }()
	return d, nil
}

// kill ends a daemon that was not stopped cleanly (the harness failed).
func (d *daemonProc) kill() {
	if d.cmd.ProcessState == nil {
		_ = d.cmd.Process.Kill()
		<-d.exited
	}
}

// stop sends SIGTERM and waits for a clean exit within ferry's default
// shutdown grace (40 s) and a margin.
func (d *daemonProc) stop() error {
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case err := <-d.exited:
		return err
	case <-time.After(60 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.exited
		return errors.New("did not stop within 60s of SIGTERM")
	}
}

func countFiles(root string) (int, error) {
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return err
	})
	return n, err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
