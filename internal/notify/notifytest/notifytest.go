// Package notifytest stands in for systemd's end of the notify protocol: a
// real unixgram socket in NOTIFY_SOCKET, whose datagrams a test reads.
package notifytest

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Socket listens where NOTIFY_SOCKET now points (for this process and the
// processes it starts) and returns what arrives. watchdog > 0 also sets
// WATCHDOG_USEC, as WatchdogSec= does, and WATCHDOG_PID to this process;
// pass pid false to leave WATCHDOG_PID unset for a child process.
func Socket(t *testing.T, watchdog time.Duration, pid bool) <-chan string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatalf("couldn't listen on %s: %v", path, err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	t.Setenv("WATCHDOG_USEC", "")
	t.Setenv("WATCHDOG_PID", "")
	if watchdog > 0 {
		t.Setenv("WATCHDOG_USEC", strconv.FormatInt(watchdog.Microseconds(), 10))
		if pid {
			t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
		}
	}
	msgs := make(chan string, 1000)
	go func() {
		defer close(msgs)
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	return msgs
}

// Expect waits up to timeout for want, skipping other notifications.
func Expect(t *testing.T, msgs <-chan string, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case m, ok := <-msgs:
			if !ok {
				t.Fatalf("notify socket closed before %s", want)
			}
			if m == want {
				return
			}
		case <-deadline:
			t.Fatalf("systemd never got %s (waited %s)", want, timeout)
		}
	}
}
