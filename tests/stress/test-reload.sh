#!/usr/bin/env bash
# Stress (root, the real kernel): SIGHUP in a loop while events flow.
# Each reload flips settings the decoders read per event (ancestors_depth,
# resolve_ids, event_timeout) and a key that waits for the next start
# (ring_size). Run in the ThreadSanitizer build (tests/run-all.sh), a
# reload that writes under a running decoder is a reported race and
# needle dies with TSan's exit status; in every build each event of the
# load must be written once, and the events must show both values of each
# flipped setting (the decoders applied the new snapshots while working).
# usage: test-reload.sh NEEDLE LOADGEN   (TAP; root; one at a time)
set -u
NEEDLE=$1 loadgen=$(readlink -f "$2")
per_thread=${NEEDLE_RELOAD_CALLS:-4000} rate=${NEEDLE_RELOAD_RATE:-2000}
. "$(dirname "$0")/../live/lib.sh"
live_require tap
live_setup "needle-reload-$$"
key=$LIVE_KEY dir=$LIVE_TOP/reload

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }

echo "TAP version 13"
echo "1..5"

# The settings of reload I (0: the start's). The live ones flip between
# two values; ring_size differs from the start's at every reload, so each
# one must name it.
settings() {
	local ring=1M
	[ "$1" -gt 0 ] && ring=$((2 << ($1 % 2)))M
	if [ $(($1 % 2)) = 1 ]; then
		printf '%s\n' "ancestors_depth = 1" "resolve_ids = no" "event_timeout = 1500" "ring_size = $ring"
	else
		printf '%s\n' "ancestors_depth = 3" "resolve_ids = yes" "event_timeout = 2000" "ring_size = $ring"
	fi
}
common="backlog_wait_time = 100
decoder_threads = 2
max_log_file = 0
output = json,raw
process_context = yes"

live_start reload "$common
$(settings 0)" || { not_ok "needle starts" "$(cat "$dir/stderr" 2>/dev/null)"; exit 1; }
needle_pid=$started_pid
lost_before=$(auditctl -s | awk '$1=="lost"{print $2}')
auditctl -a always,exit -F arch=b64 -S openat -F exe="$loadgen" -F exit=-ENOENT -k "$key" >/dev/null
"$loadgen" --rate "$rate" 2 "$per_thread" "/nonexistent/$key" > "$dir/loadgen.out" &
load_pid=$!
LIVE_PIDS+=("$load_pid")

# One SIGHUP at a time: the next is sent once needle said it reloaded, so
# none is merged with another (signals do not queue) and each is counted.
hups=0 stuck=""
while kill -0 "$load_pid" 2>/dev/null; do
	hups=$((hups + 1))
	printf '%s\n' "log_dir = $dir/log" "plugin_dir =" "$common" "$(settings "$hups")" > "$dir/needle.conf"
	kill -HUP "$needle_pid" 2>/dev/null || { stuck="needle is gone"; break; }
	for _ in $(seq 100); do
		[ "$(grep -c 'SIGHUP: configuration reloaded' "$dir/stderr")" -ge "$hups" ] && break
		sleep 0.02
	done
	[ "$(grep -c 'SIGHUP: configuration reloaded' "$dir/stderr")" -ge "$hups" ] ||
		{ stuck="reload $hups not done after 2 s"; break; }
done
wait "$load_pid"; load_status=$?
auditctl -D -k "$key" >/dev/null
lost_after=$(auditctl -s | awk '$1=="lost"{print $2}')
sleep 0.5
live_stop "$needle_pid"; status=$?
calls=$(awk '$1=="mix"{print $3}' "$dir/loadgen.out")

# 1. needle survived the reloads and stopped cleanly (a sanitizer report
#    makes it exit with the sanitizer's status).
reports=$(grep -c -E 'ThreadSanitizer|AddressSanitizer|runtime error' "$dir/stderr")
if [ "$status" = 0 ] && [ "$reports" = 0 ] && [ -z "$stuck" ]; then
	ok "needle ran $hups reloads under load and stopped with status 0, no sanitizer report"
else
	not_ok "needle ran $hups reloads under load and stopped with status 0, no sanitizer report" \
		"exit $status, $reports sanitizer lines, ${stuck:-reloads done}" \
		"$(grep -m 40 -A 30 -E 'WARNING: ThreadSanitizer|ERROR: AddressSanitizer|runtime error' "$dir/stderr")"
fi

# 2. Enough reloads landed while the load ran to mean something.
if [ "$hups" -ge 10 ] && [ "$load_status" = 0 ]; then
	ok "$hups reloads while $((2 * per_thread)) calls ran"
else
	not_ok "at least 10 reloads while the load ran" "reloads $hups, loadgen status $load_status"
fi

# 3. Every call of the load was written once: the load's own count against
#    the log (the kernel lost none: backlog_wait_time makes it wait).
syscalls=$(grep -c "^type=SYSCALL .*key=\"$key\"" "$dir/log/needle.log")
unique=$(live_serials "$dir/log/needle.log" | wc -l)
if [ -n "$calls" ] && [ "$syscalls" = "$calls" ] && [ "$unique" = "$calls" ] &&
	[ "$lost_before" = "$lost_after" ]; then
	ok "all $calls calls written once across the reloads"
else
	not_ok "all calls written once across the reloads" "loadgen $calls, SYSCALL records $syscalls," \
		"distinct serials $unique, kernel lost $lost_before -> $lost_after"
fi

# 4. The decoders applied what reload published while they worked: events
#    with one ancestor and with more, with uid names and without.
seen=$(python3 - "$dir/log/needle.json" "$key" <<'PY'
import json, sys
one = more = named = unnamed = 0
for line in open(sys.argv[1], encoding="utf-8"):
    ev = json.loads(line)
    if sys.argv[2] not in (ev.get("why", {}).get("keys") or []):
        continue
    anc = len(ev.get("where", {}).get("ancestors") or [])
    one += anc == 1
    more += anc >= 2
    if "uid_name" in ev.get("who", {}):
        named += 1
    else:
        unnamed += 1
print(one, more, named, unnamed)
PY
)
set -- $seen
if [ "${1:-0}" -gt 0 ] && [ "${2:-0}" -gt 0 ] && [ "${3:-0}" -gt 0 ] && [ "${4:-0}" -gt 0 ]; then
	ok "events show both settings: ancestors 1 in $1, 2+ in $2; uid names in $3, none in $4"
else
	not_ok "events show both values of the reloaded settings" \
		"ancestors 1: ${1:-?}, 2+: ${2:-?}; uid names: ${3:-?}, none: ${4:-?}"
fi

# 5. Each reload named the key that waits for the next start.
named=$(grep -c "SIGHUP: ring_size: .* takes effect at the next start" "$dir/stderr")
if [ "$named" = "$hups" ]; then
	ok "each of $hups reloads named ring_size as taking effect at the next start"
else
	not_ok "each reload named ring_size as taking effect at the next start" \
		"$named of $hups" "$(grep SIGHUP "$dir/stderr" | head -5)"
fi
[ "$failed" = 0 ]
