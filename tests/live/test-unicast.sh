#!/usr/bin/env bash
# Live: needle as the unicast audit daemon receives exactly the events a
# narrow rule causes, and leaves the kernel as it found it.
# usage: test-unicast.sh NEEDLE HELPER [LISTENERS DECODERS]
set -u
needle=$1 helper=$2 listeners=${3:-1} decoders=${4:-1}
key=needle-live-$$
runs=200

if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP needs root for the kernel's audit socket"; exit 77; fi
command -v auditctl >/dev/null || { echo "auditctl missing (Debian package auditd)"; exit 1; }
. "$(dirname "$0")/kernel-state.sh"

pid=$(auditctl -s | awk '$1=="pid"{print $2}')
if [ "$pid" != 0 ] && kill -0 "$pid" 2>/dev/null; then
	echo "process $pid ($(cat /proc/$pid/comm)) holds the audit socket; stop it to run live tests"
	exit 1
fi

dir=$(mktemp -d)
ks_save
settings_before=$(ks_settings)
needle_pid=
cleanup() {
	[ -n "$needle_pid" ] && kill -TERM "$needle_pid" 2>/dev/null && wait "$needle_pid" 2>/dev/null
	ks_restore "$key"
	rm -rf "$dir"
}
trap cleanup EXIT

cat > "$dir/needle.conf" <<CONF
log_dir = $dir/log
listener_threads = $listeners
decoder_threads = $decoders
backlog_wait_time = 100
ring_size = 1M
CONF
"$needle" run --foreground -c "$dir/needle.conf" 2> "$dir/stderr" &
needle_pid=$!
for _ in $(seq 50); do grep -q collecting "$dir/stderr" && break; sleep 0.1; done
grep -q collecting "$dir/stderr" || { echo "needle did not start:"; cat "$dir/stderr"; exit 1; }

auditctl -a always,exit -F arch=b64 -S openat -F exe="$(readlink -f "$helper")" -F exit=-ENOENT -k "$key" >/dev/null
for i in $(seq $runs); do "$helper" "/nonexistent/$key/$i" || { echo "helper failed"; exit 1; }; done
auditctl -D -k "$key" >/dev/null

kill -TERM "$needle_pid"; wait "$needle_pid"; status=$?; needle_pid=
cat "$dir/stderr"
[ "$status" = 0 ] || { echo "needle exited with $status"; exit 1; }

got=$(grep -c "^type=SYSCALL .*key=\"$key\"" "$dir/log/needle.log")
paths=$(grep -c "^type=PATH .*name=\"/nonexistent/$key/" "$dir/log/needle.log")
serials=$(grep "^type=SYSCALL .*key=\"$key\"" "$dir/log/needle.log" | sed 's/.*audit([0-9.]*:\([0-9]*\)).*/\1/' | sort -u | wc -l)
echo "SYSCALL records: $got, PATH records: $paths, distinct serials: $serials (expected $runs each)"
[ "$got" = "$runs" ] && [ "$paths" = "$runs" ] && [ "$serials" = "$runs" ] || exit 1

settings_after=$(ks_settings)
if [ "$settings_before" != "$settings_after" ]; then
	echo "kernel state changed:"; diff <(echo "$settings_before") <(echo "$settings_after"); exit 1
fi
echo "kernel state restored"
