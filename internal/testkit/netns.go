package testkit

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// NetnsDialer dials from inside network namespace Netns (as named by ip
// netns), or plainly when it is "": the test itself stays in its own
// namespace. The socket is created on a thread switched into the namespace
// and back; a thread that cannot switch back is left locked, so it dies
// with its goroutine.
type NetnsDialer struct{ Netns string }

// Dial is nats.CustomDialer's.
func (d NetnsDialer) Dial(network, addr string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, addr)
}

// DialContext is http.Transport's.
func (d NetnsDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var dialer net.Dialer
	if d.Netns == "" {
		return dialer.DialContext(ctx, network, addr)
	}
	runtime.LockOSThread()
	self, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	defer self.Close()
	target, err := os.Open("/run/netns/" + d.Netns)
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("couldn't enter netns %s: %w", d.Netns, err)
	}
	conn, err := dialer.DialContext(ctx, network, addr)
	if unix.Setns(int(self.Fd()), unix.CLONE_NEWNET) == nil {
		runtime.UnlockOSThread()
	}
	return conn, err
}

// NetnsLab is a set of network namespaces made for one test, removed when
// it ends. Only addresses inside these namespaces are ever assigned.
type NetnsLab struct {
	tb     testing.TB
	prefix string
}

// NewNetnsLab skips the test unless it runs as root with ip(8).
func NewNetnsLab(tb testing.TB) *NetnsLab {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("network namespace test: needs root to create namespaces (ip netns add)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		tb.Skip("network namespace test: the ip command (iproute2) is missing")
	}
	return &NetnsLab{tb: tb, prefix: fmt.Sprintf("fy%d", os.Getpid()%100000)}
}

func (l *NetnsLab) ip(args ...string) {
	l.tb.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		l.tb.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Add creates namespace prefix-name with its loopback up and returns its name.
func (l *NetnsLab) Add(name string) string {
	l.tb.Helper()
	ns := l.prefix + "-" + name
	_ = exec.Command("ip", "netns", "del", ns).Run() // a leftover of a killed run
	l.ip("netns", "add", ns)
	l.tb.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
			l.tb.Errorf("couldn't remove netns %s: %v\n%s", ns, err, out)
		}
	})
	l.ip("-n", ns, "link", "set", "lo", "up")
	return ns
}

// Link joins namespaces a and b with a veth pair on subnet 10.213.k.0/24:
// a gets .1 and b .2. It returns a's address, as b reaches it.
func (l *NetnsLab) Link(a, b string, k int) string {
	l.tb.Helper()
	va, vb := fmt.Sprintf("%sa%d", l.prefix, k), fmt.Sprintf("%sb%d", l.prefix, k)
	l.ip("link", "add", va, "netns", a, "type", "veth", "peer", "name", vb, "netns", b)
	l.ip("-n", a, "addr", "add", fmt.Sprintf("10.213.%d.1/24", k), "dev", va)
	l.ip("-n", b, "addr", "add", fmt.Sprintf("10.213.%d.2/24", k), "dev", vb)
	l.ip("-n", a, "link", "set", va, "up")
	l.ip("-n", b, "link", "set", vb, "up")
	return fmt.Sprintf("10.213.%d.1", k)
}
