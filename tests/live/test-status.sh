#!/usr/bin/env bash
# Live: the figures needle prints count from its start; the kernel's own
# lost counter (its lifetime: since boot) appears only labelled so.
# First a short provoked loss (rate_limit 1, 200 audited openat with no
# daemon) so the kernel's lifetime lost is above 0; then needle runs on a
# terminal (script(1) gives it one) and its status line must say
# "lost 0 since start", as needle stat does, never the lifetime figure
# unlabelled; needle monitor labels both.
# usage: test-status.sh NEEDLE HELPER   (TAP; root; one at a time)
set -u
NEEDLE=$1 helper=$(readlink -f "$2")
. "$(dirname "$0")/lib.sh"
live_require tap
command -v script >/dev/null || { echo "script(1) missing (Debian package bsdutils)"; exit 1; }
live_setup "needle-status-$$"
key=$LIVE_KEY top=$LIVE_TOP

echo "TAP version 13"
echo "1..3"
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done
}
lost() { auditctl -s | awk '$1=="lost"{print $2}'; }

# The provoked loss: the kernel drops what passes its rate limit and counts
# it in lost. The exit trap (lib.sh) restores enabled and rate_limit.
before=$(lost)
auditctl -e 1 -r 1 >/dev/null
auditctl -a always,exit -F arch=b64 -S openat -F exe="$helper" -F exit=-ENOENT -k "$key" >/dev/null
for i in $(seq 200); do "$helper" "/nonexistent/$key/$i"; done
auditctl -D -k "$key" >/dev/null
ks_restore
lifetime=$(lost)
echo "# kernel lost $before -> $lifetime (provoked)"

mkdir -p "$top/run"
printf '%s\n' "log_dir = $top/run/log" "plugin_dir =" "control_socket = $top/control" "metrics_listen =" \
	"backlog_wait_time = 100" > "$top/run/needle.conf"
# script runs needle on a pseudo-terminal (the status line needs one) and
# copies what it prints to the file.
script -qfec "exec $NEEDLE run --foreground -c $top/run/needle.conf" /dev/null > "$top/run/tty" 2>&1 &
script_pid=$!
LIVE_PIDS+=("$script_pid")
pid=""
for _ in $(seq 50); do
	pid=$(grep -ao 'collecting (unicast): pid [0-9]*' "$top/run/tty" | awk '{print $4}')
	[ -n "$pid" ] && break
	sleep 0.1
done
[ -n "$pid" ] && LIVE_PIDS+=("$pid")
sleep 2.5 # two status lines, one a second
"$NEEDLE" stat --socket "$top/control" > "$top/stat" 2>&1
"$NEEDLE" monitor --once > "$top/monitor" 2>&1
[ -n "$pid" ] && kill -TERM "$pid"
wait "$script_pid"; status=$?
now=$(lost)
# The last status line: after the last carriage return before the stop.
line=$(tr '\r' '\n' < "$top/run/tty" | grep -a "records/s" | tail -1)
echo "# status line: $line"
echo "# kernel lost now $now; needle exit $status"

if [ -n "$pid" ] && [ "$status" = 0 ] && [ "$lifetime" -gt 0 ] && [ "$now" = "$lifetime" ] &&
	grep -q "kernel backlog [0-9]*/[0-9]* lost 0 since start |" <<< "$line" &&
	! grep -qw "$lifetime" <<< "$line"; then
	ok "status line: lost 0 since start, not the kernel's lifetime $lifetime"
else
	not_ok "status line: lost 0 since start, not the kernel's lifetime $lifetime" "line: $line" \
		"kernel lost after the run $now" "$(tr '\r' '\n' < "$top/run/tty" | grep -av records/s)"
fi
kline=$(grep -a "^kernel" "$top/stat")
if grep -q "lost records 0 since start (kernel lifetime $lifetime)" <<< "$kline"; then
	ok "needle stat: lost 0 since start, the lifetime labelled"
else
	not_ok "needle stat: lost 0 since start, the lifetime labelled" "$(cat "$top/stat")"
fi
if grep -q "lost 0 since start (+0, kernel lifetime $lifetime)" "$top/monitor"; then
	ok "needle monitor: the lifetime labelled"
else
	not_ok "needle monitor: the lifetime labelled" "$(cat "$top/monitor")"
fi
[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] || { echo "# kernel state changed"; failed=1; }
[ "$failed" = 0 ]
