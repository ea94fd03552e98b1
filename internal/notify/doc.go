// Package notify speaks systemd's notify protocol for a ferry daemon run as a
// Type=notify unit: READY=1 once the daemon serves, STOPPING=1 when it starts
// to shut down, and WATCHDOG=1 every half WatchdogSec while it is healthy.
//
// It owns:
//
//   - the health verdict: a daemon is healthy while every one of its probes
//     succeeded within the last half watchdog interval (Stale, a pure
//     function); a probe is a short check of what the daemon's loops depend
//     on, or a Heartbeat that a loop beats on each pass (Beat, through
//     the loop's context, so roles need not know of systemd);
//   - the keep-alive loop that sends WATCHDOG=1 only on that verdict, so a
//     daemon whose loop is stuck is killed and restarted by systemd.
//
// What it must never do:
//
//   - send WATCHDOG=1 on a timer alone: a keep-alive that does not depend on
//     the daemon's health only hides a hang;
//   - fail a daemon that runs outside systemd: without NOTIFY_SOCKET (or
//     WATCHDOG_USEC) every call is a no-op;
//   - block a role: probes run in their own goroutines with a timeout.
package notify
