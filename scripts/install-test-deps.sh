#!/usr/bin/env bash
# Installs what the tests use beyond Go: promtool (Debian package
# "prometheus"), which configs/configs_test.go runs on the alerting rules.
# Idempotent and quiet: does nothing when promtool is already on PATH. The
# tests skip promtool's checks when it is missing, so a machine without
# apt-get (or without root) only gets a warning; a failed install fails.
set -u

if command -v promtool >/dev/null 2>&1; then
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "install-test-deps: apt-get not found; install promtool yourself or the rule tests are skipped" >&2
	exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "install-test-deps: not root and no sudo; promtool not installed, the rule tests are skipped" >&2
		exit 0
	fi
	sudo="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive
# --no-install-recommends: promtool only, not the exporters and web assets.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends prometheus; } >"$log" 2>&1; then
	# apt-get exists but failed: say why and fail, rather than let CI pass
	# with the rule tests silently skipped.
	cat "$log" >&2
	echo "install-test-deps: apt-get install prometheus failed" >&2
	exit 1
fi
# The package's postinst may start a Prometheus server where systemd runs;
# tests need only the promtool binary, so leave the service disabled.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	$sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
command -v promtool >/dev/null 2>&1 || echo "install-test-deps: promtool still missing after install" >&2
exit 0
