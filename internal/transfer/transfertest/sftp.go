package transfertest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rclone/rclone/fs/config"
)

// Where Debian's openssh-server puts its binaries (scripts/install-test-deps.sh).
const (
	sshdPath       = "/usr/sbin/sshd"
	sftpServerPath = "/usr/lib/openssh/sftp-server"
)

// SFTP is a running OpenSSH sshd on loopback and an rclone remote for it.
type SFTP struct {
	Remote string // "ferrysftptestN:/abs/dir", for OpenDestination or OpenRemoteSource
	Name   string // the remote's name in rclone's in-memory config
	Dir    string // the directory the remote points at, on this machine's disk
	Addr   string // host:port sshd listens on
}

// Path is where the server keeps rel on disk.
func (s *SFTP) Path(rel string) string {
	return filepath.Join(s.Dir, filepath.FromSlash(rel))
}

// StartSFTP runs Debian's /usr/sbin/sshd as the test's own user on
// 127.0.0.1 and a free port, with a host key and a client key made in a temp
// dir, and configures an rclone sftp remote on an empty directory. extra are
// more options for the remote ("skip_links": "true"). sshd stops when tb
// ends. The test is skipped when sshd is missing.
func StartSFTP(tb testing.TB, extra map[string]string) *SFTP {
	tb.Helper()
	Init(tb)
	for _, p := range []string{sshdPath, sftpServerPath} {
		if _, err := os.Stat(p); err != nil {
			tb.Skipf("no OpenSSH server (%v): run scripts/install-test-deps.sh", err)
		}
	}
	keygen, err := exec.LookPath("ssh-keygen")
	if err != nil {
		tb.Skipf("no ssh-keygen: %v", err)
	}
	u, err := user.Current()
	if err != nil {
		tb.Fatal(err)
	}
	if u.Uid == "0" {
		// sshd started as root insists on its privilege separation dir.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			tb.Skipf("sshd as root needs /run/sshd: %v", err)
		}
	}
	etc := tb.TempDir()
	for _, k := range []string{"host_key", "client_key"} {
		out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(etc, k)).CombinedOutput()
		if err != nil {
			tb.Fatalf("couldn't make %s: %v: %s", k, err, out)
		}
	}
	pub, err := os.ReadFile(filepath.Join(etc, "client_key.pub"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(etc, "authorized_keys"), pub, 0o600); err != nil {
		tb.Fatal(err)
	}
	hostPub, err := os.ReadFile(filepath.Join(etc, "host_key.pub"))
	if err != nil {
		tb.Fatal(err)
	}
	n := servers.Add(1)
	s := &SFTP{Name: fmt.Sprintf("ferrysftptest%d", n), Dir: tb.TempDir()}
	s.Remote = s.Name + ":" + s.Dir
	s.Addr = runSSHD(tb, etc)
	host, port, _ := net.SplitHostPort(s.Addr)
	known := filepath.Join(etc, "known_hosts")
	if err := os.WriteFile(known, fmt.Appendf(nil, "[%s]:%s %s", host, port, hostPub), 0o600); err != nil {
		tb.Fatal(err)
	}
	opts := map[string]string{
		"type":             "sftp",
		"host":             host,
		"port":             port,
		"user":             u.Username,
		"key_file":         filepath.Join(etc, "client_key"),
		"known_hosts_file": known,
		"shell_type":       "unix",
	}
	for k, v := range extra {
		opts[k] = v
	}
	for k, v := range opts {
		config.FileSetValue(s.Name, k, v)
	}
	return s
}

// runSSHD starts sshd with a config in etc on a free loopback port and
// waits until it accepts connections. A port taken between the probe and
// sshd's bind is retried.
func runSSHD(tb testing.TB, etc string) string {
	tb.Helper()
	for range 5 {
		addr := freePort(tb)
		_, port, _ := net.SplitHostPort(addr)
		conf := filepath.Join(etc, "sshd_config")
		text := strings.Join([]string{
			"ListenAddress 127.0.0.1:" + port,
			"HostKey " + filepath.Join(etc, "host_key"),
			"AuthorizedKeysFile " + filepath.Join(etc, "authorized_keys"),
			"PidFile none",
			"StrictModes no", // t.TempDir's parents are not root-owned 0755
			"UsePAM no",
			"PasswordAuthentication no",
			"KbdInteractiveAuthentication no",
			"PermitRootLogin prohibit-password",
			"Subsystem sftp " + sftpServerPath,
			"LogLevel ERROR",
			"",
		}, "\n")
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			tb.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd := exec.Command(sshdPath, "-D", "-e", "-f", conf)
		cmd.Stderr = &stderr
		// Its own group, so the per-connection children it forks stop
		// with it, and Wait is not held up by their copy of stderr.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.WaitDelay = time.Second
		if err := cmd.Start(); err != nil {
			tb.Fatalf("couldn't start sshd: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		if waitListening(addr, exited) {
			tb.Cleanup(func() { stopGroup(cmd, exited) })
			return addr
		}
		stopGroup(cmd, exited)
		tb.Logf("sshd on %s did not start: %s", addr, stderr.String())
	}
	tb.Fatal("couldn't start sshd")
	return ""
}

// waitListening reports whether addr accepts a connection before the
// process exits or 10 s pass.
func waitListening(addr string, exited <-chan struct{}) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = c.Close()
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// stopGroup kills the sshd started as cmd and every child it forked, by
// their process group, and waits for sshd to exit.
func stopGroup(cmd *exec.Cmd, exited <-chan struct{}) {
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-exited
}

func freePort(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}
