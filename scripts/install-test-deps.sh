#!/usr/bin/env bash
# Installs what the tests use beyond Go:
#   - promtool and prometheus (Debian package "prometheus"): configs/configs_test.go
#     runs promtool on the alerting rules; cmd/ferry/prometheus_test.go runs a
#     Prometheus server with the shipped rules against a running ferry and
#     promtool check metrics on its live scrape;
#   - sshd and sftp-server (Debian package "openssh-server"), which
#     internal/transfer/transfertest starts on loopback for SFTP tests;
#   - bindfs (Debian package "bindfs"), whose FUSE view of a source the
#     overlap tests (as root) use as a destination that must be refused;
#   - systemd-analyze (Debian package "systemd"), which systemd/ runs on
#     the units; ansible-playbook and ansible-lint (packages "ansible",
#     "ansible-lint"), which ansible/ runs on the role and playbook;
#   - debootstrap and systemd-nspawn (packages "debootstrap",
#     "systemd-container"), which make test-deploy boots hosts with.
#   - wget (Debian package "wget"), whose --warc-file output of a crawl of a
#     local test server internal/validate's tests must pass: a real client's WARC.
#   - strace (Debian package "strace"), which verifier's durability test runs a
#     verification under to see the copy synced before the source's unlink.
# Idempotent and quiet: installs only what is missing. The tests skip what
# needs a missing tool, so a machine without apt-get (or without root) only
# gets a warning; a failed install fails.
set -u

# package for each binary the tests look for
missing=()
{ command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; } || missing+=(prometheus)
{ [ -x /usr/sbin/sshd ] && [ -x /usr/lib/openssh/sftp-server ]; } || missing+=(openssh-server)
command -v bindfs >/dev/null 2>&1 || missing+=(bindfs)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
command -v ansible-playbook >/dev/null 2>&1 || missing+=(ansible)
command -v ansible-lint >/dev/null 2>&1 || missing+=(ansible-lint)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v systemd-nspawn >/dev/null 2>&1 || missing+=(systemd-container)
command -v wget >/dev/null 2>&1 || missing+=(wget)
command -v strace >/dev/null 2>&1 || missing+=(strace)
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-test-deps: apt-get not found; install ${missing[*]} yourself or their tests are skipped" >&2
	exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "install-test-deps: not root and no sudo; ${missing[*]} not installed, their tests are skipped" >&2
		exit 0
	fi
	sudo="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive
# --no-install-recommends: prometheus and promtool, not the exporters;
# sshd only, not xauth and friends.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
	# apt-get exists but failed: say why and fail, rather than let CI pass
	# with the tests silently skipped.
	cat "$log" >&2
	echo "install-test-deps: apt-get install ${missing[*]} failed" >&2
	exit 1
fi
# The packages' postinst may start a Prometheus server or an sshd on port 22
# where systemd runs; tests start their own, so leave the services disabled.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	for pkg in "${missing[@]}"; do
		case $pkg in
		prometheus) $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true ;;
		openssh-server) $sudo systemctl disable --now ssh >/dev/null 2>&1 || true ;;
		esac
	done
fi
command -v promtool >/dev/null 2>&1 || echo "install-test-deps: promtool still missing after install" >&2
command -v prometheus >/dev/null 2>&1 || echo "install-test-deps: prometheus still missing after install" >&2
[ -x /usr/sbin/sshd ] || echo "install-test-deps: sshd still missing after install" >&2
exit 0
