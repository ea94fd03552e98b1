#!/usr/bin/env bash
# make test-deploy: the Ansible role on three booted Debian hosts.
#
# Builds a Debian bookworm root file system once with debootstrap (cached in
# $FERRY_DEPLOY_CACHE, default /var/cache/ferry-deploy), boots three copies
# with systemd-nspawn --boot, each in its own network namespace, joined by
# veth to a bridge inside a network namespace this script creates (nothing
# touches the host's own network), and runs ansible/site.yml over SSH:
# node1 runs ferry-nats and ferry@dispatcher, node2 and node3 are crawlers
# (ferry@watcher, ferry@mover, ferry@verifier). Then it checks that
#   - every unit is active, reached through Type=notify (READY=1), and
#     systemctl reload (SIGHUP) reloads it in place;
#   - files dropped on the crawlers are moved and verified (sources gone,
#     copies equal);
#   - inside the verifier's sandbox the ferry user may delete in its
#     ReadWritePaths and nowhere else (a path it may delete outside it);
#   - a second run of the playbook changes nothing;
#   - a rolling upgrade to a new binary restarts every crawler's units while
#     at least one crawler host has all its units active at every sample.
# Containers are stopped by the PID of the systemd-nspawn each was started
# as. Skips (exit 0, with the reason) only where nspawn cannot run.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

log() { printf 'test-deploy: %s\n' "$*" >&2; }
skip() {
	log "SKIP: $*"
	exit 0
}
fail() {
	log "FAIL: $*"
	if [ -n "${booted:-}" ]; then
		for name in "${hosts[@]}"; do
			log "--- $name: journal of the ferry units"
			on "$name" journalctl --no-pager -o short-monotonic -n 40 -u 'ferry*' >&2 2>/dev/null || true
		done
	fi
	exit 1
}

[ "$(id -u)" -eq 0 ] || skip "needs root (systemd-nspawn, network namespaces)"
for tool in systemd-nspawn debootstrap ansible-playbook ssh ssh-keygen ip; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool not installed (scripts/install-test-deps.sh installs it)"
done

cache=${FERRY_DEPLOY_CACHE:-/var/cache/ferry-deploy}
# The mirror apt uses here (deb.debian.org unless sources say otherwise).
mirror=${FERRY_DEPLOY_MIRROR:-http://deb.debian.org/debian}
packages=systemd,systemd-sysv,dbus,python3,openssh-server,iproute2
rootfs=$cache/bookworm-$(printf %s "$packages" | sha256sum | cut -c1-12)
work=$(mktemp -d /var/tmp/ferry-deploy.XXXXXX)
netns=ferry-deploy-$$
bridge=ferrybr0
declare -A nspawn_pid=()
declare -A addr=([node1]=10.77.0.11 [node2]=10.77.0.12 [node3]=10.77.0.13)
hosts=(node1 node2 node3)
start=$SECONDS

cleanup() {
	local rc=$?
	set +e # clean up everything, whatever fails
	[ -n "${sampler:-}" ] && kill "$sampler" 2>/dev/null
	for path in "$work"/ssh-* "$work"/cp/*; do # ssh masters: ours and Ansible's
		[ -S "$path" ] && ssh -o ControlPath="$path" -O exit x >/dev/null 2>&1
	done
	local left=0
	for name in "${!nspawn_pid[@]}"; do
		local pid=${nspawn_pid[$name]}
		# SIGTERM: nspawn asks the container's systemd to halt; SIGKILL
		# (which takes the container with it) if it has not within 60s.
		kill -TERM "$pid" 2>/dev/null || continue
		for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
		if kill -0 "$pid" 2>/dev/null; then
			log "$name did not halt within 60s; killing systemd-nspawn $pid"
			kill -KILL "$pid" 2>/dev/null
			sleep 1
			kill -0 "$pid" 2>/dev/null && left=1
		fi
	done
	ip netns del "$netns" 2>/dev/null || true
	if [ "$left" -ne 0 ]; then
		log "a container is still running; leaving $work"
	else
		rm -rf "$work"
	fi
	log "done in $((SECONDS - start))s"
	exit "$rc"
}
trap cleanup EXIT

# --- the root file system, built once -------------------------------------
if [ ! -x "$rootfs/usr/bin/python3" ]; then
	log "debootstrap bookworm into $rootfs (once; about 5 minutes)"
	mkdir -p "$cache"
	rm -rf "$rootfs.tmp"
	debootstrap --variant=minbase --include="$packages" bookworm "$rootfs.tmp" "$mirror" >"$work/debootstrap.log" 2>&1 ||
		fail "debootstrap failed (see $work/debootstrap.log)"
	mv "$rootfs.tmp" "$rootfs"
fi

# --- binaries: the first deploy and the upgrade differ in their bytes -----
log "building ferry"
CGO_ENABLED=0 go build -trimpath -o "$work/ferry-v1" ./cmd/ferry
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$work/ferry-v2" ./cmd/ferry
cp "$work/ferry-v1" "$work/ferry"

# --- network: a namespace of our own with a bridge the hosts join ---------
ip netns add "$netns"
# nsenter, not ip netns exec: that remounts /sys, hiding the cgroup
# hierarchies systemd-nspawn needs.
inns() { nsenter --net="/run/netns/$netns" "$@"; }
inns ip link set lo up
inns ip link add "$bridge" type bridge
inns ip addr add 10.77.0.1/24 dev "$bridge"
inns ip link set "$bridge" up

ssh-keygen -q -t ed25519 -N '' -f "$work/id"

# --- three hosts ------------------------------------------------------------
for name in "${hosts[@]}"; do
	dir=$work/$name
	cp -a --reflink=auto "$rootfs" "$dir"
	echo "$name" >"$dir/etc/hostname"
	: >"$dir/etc/machine-id"
	mkdir -p "$dir/root/.ssh" "$dir/etc/systemd/network"
	install -m 0600 "$work/id.pub" "$dir/root/.ssh/authorized_keys"
	cat >"$dir/etc/systemd/network/10-host0.network" <<-EOF
		[Match]
		Name=host0
		[Network]
		Address=${addr[$name]}/24
	EOF
	ln -sf /lib/systemd/system/systemd-networkd.service "$dir/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
	# A crawler's output: Heritrix's group owns it, group-writable, so ferry
	# (a member) may delete verified files. /srv/outside is the same but not
	# in ReadWritePaths: the sandbox must keep ferry from deleting there.
	if [ "$name" != node1 ]; then
		chroot "$dir" groupadd --system heritrix
		# /srv/archive, the local destination, is writable the same way.
		install -d -m 2775 -g "$(chroot "$dir" getent group heritrix | cut -d: -f3)" \
			"$dir/srv/crawl" "$dir/srv/outside" "$dir/srv/archive"
	fi
	# --register=no --keep-unit: no machined or scope (the host may run no
	# systemd), so nspawn needs no system bus. nsenter execs nspawn, so $!
	# is systemd-nspawn's own PID, the one cleanup stops.
	nsenter --net="/run/netns/$netns" systemd-nspawn -q --boot -D "$dir" -M "$name" --register=no --keep-unit \
		--console=read-only --network-bridge="$bridge" >"$work/$name.console" 2>&1 &
	nspawn_pid[$name]=$!
done

sshopts=(-i "$work/id" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
	-o ConnectTimeout=2 -o ControlMaster=auto -o "ControlPath=$work/ssh-%h" -o ControlPersist=5m)
on() {
	local name=$1
	shift
	inns ssh "${sshopts[@]}" "root@${addr[$name]}" "$@"
}
for name in "${hosts[@]}"; do
	ok=
	for _ in $(seq 1 120); do
		if ! kill -0 "${nspawn_pid[$name]}" 2>/dev/null; then
			tail -n 20 "$work/$name.console" >&2
			skip "systemd-nspawn --boot cannot boot here: $(grep -m3 -iE 'fail|error|denied' "$work/$name.console" | tr '\n' ' ')"
		fi
		if on "$name" true 2>/dev/null; then
			ok=1
			break
		fi
		sleep 0.5
	done
	[ -n "$ok" ] || fail "$name booted but its sshd never answered"
done
booted=1
log "three hosts up after $((SECONDS - start))s"

# --- the inventory -----------------------------------------------------------
mkdir -p "$work/inventory/group_vars"
cat >"$work/inventory/hosts.yml" <<EOF
all:
  vars:
    ansible_user: root
    ansible_ssh_private_key_file: $work/id
    ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
    ansible_python_interpreter: /usr/bin/python3
  children:
    ferry:
      children:
        nats:
          hosts:
            node1: {ansible_host: ${addr[node1]}}
        dispatchers:
          hosts:
            node1:
        crawlers:
          hosts:
            node2: {ansible_host: ${addr[node2]}}
            node3: {ansible_host: ${addr[node3]}}
EOF
cat >"$work/inventory/group_vars/ferry.yml" <<EOF
ferry_binary_src: $work/ferry
ferry_nats_url: nats://${addr[node1]}:4222
ferry_nats_replicas: 1
ferry_inotify_max_user_watches: 0
ferry_routes:
  - name: warcs
    source: /srv/crawl
    destination: /srv/archive
    delete_source: true
    batch: {files: 5, max_wait: 500ms}
ferry_extra_config:
  rescan_interval: 2s
EOF
cat >"$work/inventory/group_vars/nats.yml" <<EOF
ferry_run: false
ferry_nats_server: true
ferry_nats_server_name: node1
ferry_nats_server_listen: "0.0.0.0:4222"
ferry_roles: [dispatcher]
ferry_crawler_group: ""
ferry_read_write_paths: []
EOF
cat >"$work/inventory/group_vars/crawlers.yml" <<EOF
ferry_roles: [watcher, mover, verifier]
ferry_crawler_group: heritrix
EOF

playbook() {
	local out=$1
	mkdir -p "$work/cp"
	local t0=$SECONDS
	if ! inns env ANSIBLE_SSH_CONTROL_PATH_DIR="$work/cp" ANSIBLE_LOCAL_TEMP="$work/tmp" ANSIBLE_NOCOLOR=1 \
		ANSIBLE_PIPELINING=1 ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks \
		ansible-playbook -i "$work/inventory" "$repo/ansible/site.yml" >"$out" 2>&1; then
		tail -n 60 "$out" >&2
		fail "ansible-playbook failed (log above)"
	fi
	log "playbook took $((SECONDS - t0))s; slowest tasks:"
	grep -E ' -{5,} +[0-9.]+s$' "$out" | head -n 5 >&2 || true
}

units_of() {
	case $1 in
	node1) echo ferry-nats.service ferry@dispatcher.service ;;
	*) echo ferry@watcher.service ferry@mover.service ferry@verifier.service ;;
	esac
}

# --- 1. deploy ---------------------------------------------------------------
log "playbook: first run"
playbook "$work/run1.log"
for name in "${hosts[@]}"; do
	for unit in $(units_of "$name"); do
		state=$(on "$name" systemctl show -p Type -p ActiveState -p SubState -p NotifyAccess -p WatchdogUSec --value "$unit" | tr '\n' ' ')
		[ "$state" = "notify main 1min active running " ] ||
			fail "$name $unit: Type NotifyAccess WatchdogUSec ActiveState SubState = $state, want notify main 1min active running"
	done
done
log "every unit active through Type=notify"

# systemctl reload (ExecReload: SIGHUP) re-reads rclone.secrets in place.
for unit in $(units_of node2); do
	pid=$(on node2 systemctl show -p MainPID --value "$unit")
	on node2 systemctl reload "$unit" || fail "node2: systemctl reload $unit failed"
	for _ in $(seq 1 20); do
		on node2 journalctl --no-pager -u "$unit" _PID="$pid" | grep -q 'trigger=SIGHUP' && break
		sleep 0.5
	done
	on node2 journalctl --no-pager -u "$unit" _PID="$pid" | grep -q 'trigger=SIGHUP' ||
		fail "node2 $unit: no reload logged after systemctl reload"
	state=$(on node2 systemctl show -p MainPID -p ActiveState --value "$unit" | tr '\n' ' ')
	[ "$state" = "$pid active " ] || fail "node2 $unit after reload: MainPID ActiveState = $state, want $pid active"
done
log "systemctl reload: every crawler unit reloaded in place"

# --- 2. files dropped on the crawlers are moved and verified -----------------
for name in node2 node3; do
	on "$name" 'set -e; cd /srv/crawl; for i in 1 2 3 4 5 6 7; do
		head -c 100000 /dev/urandom > f$i.warc.gz.open; mv f$i.warc.gz.open f$i.warc.gz; done
		sha256sum f*.warc.gz | sort -k2 > /root/sums'
done
for name in node2 node3; do
	ok=
	for _ in $(seq 1 120); do
		if [ -z "$(on "$name" ls /srv/crawl)" ]; then
			ok=1
			break
		fi
		sleep 0.5
	done
	[ -n "$ok" ] || fail "$name: sources not deleted within 60s: $(on "$name" ls /srv/crawl | tr '\n' ' ')"
	on "$name" 'cd /srv/archive && sha256sum f*.warc.gz | sort -k2 | diff - /root/sums' ||
		fail "$name: copies in /srv/archive differ from the sources dropped"
done
log "files moved, verified and their sources deleted on both crawlers"

# --- 3. the sandbox: delete inside ReadWritePaths only -----------------------
for name in node2 node3; do
	on "$name" 'set -e
		for d in crawl outside; do touch /srv/$d/probe; chgrp heritrix /srv/$d/probe; done
		pid=$(systemctl show -p MainPID --value ferry@verifier.service)
		# as the service: its mount namespace, its user and groups
		as_ferry() { nsenter -t "$pid" -m setpriv --reuid ferry --regid ferry --init-groups "$@"; }
		as_ferry rm /srv/crawl/probe || { echo "the verifier cannot delete in its ReadWritePaths"; exit 1; }
		if as_ferry rm /srv/outside/probe 2>/tmp/err; then echo "the verifier deleted outside its ReadWritePaths"; exit 1; fi
		grep -q "Read-only file system" /tmp/err || { echo "refused, but not by the sandbox: $(cat /tmp/err)"; exit 1; }
		# outside the sandbox the same user may: only the hardening stops it
		setpriv --reuid ferry --regid ferry --init-groups rm /srv/outside/probe' ||
		fail "$name: sandbox check"
done
log "the sandbox lets ferry delete in ReadWritePaths and nowhere else"

# --- 4. a second run changes nothing -----------------------------------------
log "playbook: second run"
playbook "$work/run2.log"
grep -E '^node[0-9] +:' "$work/run2.log" >&2
if grep -E '^node[0-9] +:' "$work/run2.log" | grep -vq 'changed=0 '; then
	fail "second playbook run changed something: $(grep -E 'changed:' "$work/run2.log" | head -5)"
fi
log "second run: no change"

# --- 5. rolling upgrade --------------------------------------------------------
main_pids() { on "$1" systemctl show -p MainPID --value $(units_of "$1") | tr '\n' ' '; }
declare -A before=()
for name in node2 node3; do before[$name]=$(main_pids "$name"); done
cp "$work/ferry-v2" "$work/ferry"
samples=$work/samples
: >"$samples"
(
	while :; do
		line=$(date +%s.%N)
		for name in node2 node3; do
			# up: every unit of the host active (is-active alone says "any")
			if [ "$(on "$name" systemctl is-active $(units_of "$name") 2>/dev/null | sort -u)" = active ]; then
				line+=" $name=up"
			else
				line+=" $name=down"
			fi
		done
		echo "$line" >>"$samples"
		sleep 0.2
	done
) &
sampler=$!
log "playbook: rolling upgrade"
playbook "$work/run3.log"
kill "$sampler"
wait "$sampler" 2>/dev/null || true
for name in node2 node3; do
	after=$(main_pids "$name")
	for pid in ${before[$name]}; do
		case " $after " in *" $pid "*) fail "$name: a unit kept its process ($pid) through the upgrade" ;; esac
	done
	on "$name" cmp -s /usr/local/bin/ferry - <"$work/ferry-v2" || fail "$name: binary not upgraded"
done
n=$(wc -l <"$samples")
down=$(grep -c '=down' "$samples" || true)
[ "$n" -ge 10 ] || fail "only $n samples during the upgrade"
[ "$down" -gt 0 ] || log "note: no sample caught a crawler restarting"
if grep -q 'node2=down node3=down' "$samples"; then
	fail "both crawlers down at once: $(grep -m1 'node2=down node3=down' "$samples")"
fi
log "rolling upgrade: $n samples, $down with one crawler restarting, never both"
log "PASS"
