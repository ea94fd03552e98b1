package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// s3Server is `rclone serve s3` over a directory, each bucket one of its
// subdirectories, run as a child process (in a network namespace when ns
// is set).
type s3Server struct {
	cmd      *exec.Cmd
	dir      string
	endpoint string
}

const s3Key, s3Secret = "benchkey", "benchsecret"

var startedRE = regexp.MustCompile(`Starting s3 server on \[(http://[^/\]]+)/?\]`)

// startS3 serves dir on addr ("127.0.0.1:0" for any free port) and waits
// until the server says where it listens.
func startS3(rclone, ns, dir, addr string) (*s3Server, error) {
	argv := []string{rclone, "serve", "s3", "--config", os.DevNull, "--auth-key", s3Key + "," + s3Secret, "--addr", addr, dir}
	if ns != "" {
		argv = append([]string{"ip", "netns", "exec", ns}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	out, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("couldn't start rclone serve s3: %w", err)
	}
	found := make(chan string, 1)
	go func() {
		lines := bufio.NewScanner(out)
		for lines.Scan() {
			if m := startedRE.FindStringSubmatch(lines.Text()); m != nil {
				found <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	s := &s3Server{cmd: cmd, dir: dir}
	select {
	case s.endpoint = <-found:
		return s, nil
	case <-time.After(30 * time.Second):
		s.stop()
		return nil, fmt.Errorf("rclone serve s3 did not start within 30s")
	}
}

func (s *s3Server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	_ = s.cmd.Wait()
}

// remoteEnv configures rclone remote "bench" for the server (for rclone's
// CLI and for ferry, which both read RCLONE_CONFIG_* variables).
func (s *s3Server) remoteEnv() []string {
	return []string{"RCLONE_CONFIG_BENCH_TYPE=s3", "RCLONE_CONFIG_BENCH_PROVIDER=Rclone",
		"RCLONE_CONFIG_BENCH_ENDPOINT=" + s.endpoint,
		"RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=" + s3Key, "RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=" + s3Secret}
}

// link is two network namespaces, a client and a server, joined by a veth
// pair shaped by tc tbf to one rate in each direction (full duplex).
type link struct {
	client, server string
	serverAddr     string
}

// canShape says why the shaped link cannot be made here, or "".
func canShape() string {
	if os.Geteuid() != 0 {
		return "needs root (network namespaces and tc)"
	}
	for _, tool := range []string{"ip", "tc"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "needs " + tool + " (iproute2)"
		}
	}
	return ""
}

func newLink(rate string) (*link, error) {
	ns := fmt.Sprintf("fbench%d", os.Getpid()%100000)
	l := &link{client: ns, server: ns + "s", serverAddr: "10.215.0.1"}
	steps := [][]string{
		{"ip", "netns", "add", l.client},
		{"ip", "netns", "add", l.server},
		{"ip", "-n", l.client, "link", "set", "lo", "up"},
		{"ip", "-n", l.server, "link", "set", "lo", "up"},
		{"ip", "link", "add", ns + "c", "netns", l.client, "type", "veth", "peer", "name", ns + "v", "netns", l.server},
		{"ip", "-n", l.client, "addr", "add", "10.215.0.2/24", "dev", ns + "c"},
		{"ip", "-n", l.server, "addr", "add", l.serverAddr + "/24", "dev", ns + "v"},
		{"ip", "-n", l.client, "link", "set", ns + "c", "up"},
		{"ip", "-n", l.server, "link", "set", ns + "v", "up"},
		{"ip", "netns", "exec", l.client, "tc", "qdisc", "add", "dev", ns + "c", "root", "tbf", "rate", rate, "burst", "256kb", "latency", "50ms"},
		{"ip", "netns", "exec", l.server, "tc", "qdisc", "add", "dev", ns + "v", "root", "tbf", "rate", rate, "burst", "256kb", "latency", "50ms"},
	}
	for _, step := range steps {
		if out, err := exec.Command(step[0], step[1:]...).CombinedOutput(); err != nil {
			l.remove()
			return nil, fmt.Errorf("couldn't make the shaped link (%s): %w\n%s", strings.Join(step, " "), err, out)
		}
	}
	return l, nil
}

func (l *link) remove() {
	_ = exec.Command("ip", "netns", "del", l.client).Run()
	_ = exec.Command("ip", "netns", "del", l.server).Run()
}
