#!/usr/bin/env bash
# Live: needle monitor --multicast beside a needle daemon. First it counts
# what the kernel multicasts (at least the 500 events of a small load, no
# overrun, no gap); then, stopped (SIGSTOP) through a load far larger than
# its 4 MiB receive buffer, it must show overruns (ENOBUFS) and serial gaps,
# and warn, while the daemon on its own socket loses nothing. The
# multicast group carries every event of the machine, not only the load's,
# and the reader counts all of them: its counts are checked as bounds (at
# least the load's events, at most what the daemon wrote over the whole
# run), not as exact figures. The kernel is left as it was.
# usage: test-multicast.sh NEEDLE LOADGEN   (TAP)
set -u
NEEDLE=$1 loadgen=$(readlink -f "$2")
. "$(dirname "$0")/lib.sh"
live_require tap
live_setup "needle-mcast-$$"
here=$(dirname "$0")
port=$((20000 + ($$ + 13) % 20000))
mport=$((port + 1))

echo "TAP version 13"
echo "1..3"
fail() { echo "not ok $1 - $2"; shift 2; for l in "$@"; do echo "# $l"; done; exit 1; }
metrics() { /usr/bin/python3 "$here/check_metrics.py" "http://127.0.0.1:$1/metrics" 2>/dev/null; }
m() { awk -v k="$1" '$1==k{print $2}' <<< "$samples"; }

live_start mcast "output = json
backlog_limit = 65536
backlog_wait_time = 1000
socket_buffer = 16M
metrics_listen = 127.0.0.1:$port
control_socket =" || fail 1 "needle started"
needle_pid=$started_pid
dir=$LIVE_TOP/mcast
"$NEEDLE" monitor --multicast --socket-buffer 4M --listen "127.0.0.1:$mport" --json \
	> "$dir/monitor.out" 2> "$dir/monitor.err" &
monitor=$!
LIVE_PIDS+=("$monitor")
sleep 0.5
auditctl -a always,exit -F arch=b64 -S openat -F exe="$loadgen" -F exit=-ENOENT -k "$LIVE_KEY" >/dev/null

# 1: a small load, read as it comes: every event counted, no gap.
samples=$(metrics "$mport"); events0=$(m 'needle_multicast_events_total{}')
"$loadgen" 1 500 "/nonexistent/$LIVE_KEY" > /dev/null
sleep 1
samples=$(metrics "$mport")
events1=$(m 'needle_multicast_events_total{}') records1=$(m 'needle_multicast_records_total{}')
over1=$(m 'needle_multicast_overruns_total{}') gaps1=$(m 'needle_multicast_serial_gaps_total{}')
echo "# small load: multicast events ${events0:-?} -> ${events1:-?}, records $records1, overruns $over1, gaps $gaps1"
[ -n "$events1" ] && [ $((events1 - events0)) -ge 500 ] && [ "$over1" = 0 ] && [ "$gaps1" = 0 ] ||
	fail 1 "the multicast reader counted at least the load's 500 events and lost none" "$(cat "$dir/monitor.err")"
echo "ok 1 - multicast reader counted $((events1 - events0)) events (the load's 500 and others), $records1 records, no overrun, no gap"

# 2: the reader stalls through 20000 events (100000 records): its buffer overflows.
kill -STOP "$monitor"
"$loadgen" 1 20000 "/nonexistent/$LIVE_KEY" > /dev/null
kill -CONT "$monitor"
sleep 1
auditctl -D -k "$LIVE_KEY" >/dev/null # a later serial, after the stall
sleep 5.5                             # the reader's patience for gaps is 4 s
samples=$(metrics "$mport")
over2=$(m 'needle_multicast_overruns_total{}') gaps2=$(m 'needle_multicast_serial_gaps_total{}')
events2=$(m 'needle_multicast_events_total{}')
echo "# stalled: multicast events $events1 -> $events2, overruns $over2, serial gaps $gaps2"
[ "${over2:-0}" -gt 0 ] && [ "${gaps2:-0}" -gt 0 ] ||
	fail 2 "a stalled multicast reader shows overruns and serial gaps" "$(cat "$dir/monitor.err")"
grep -q "warning: the multicast reader fell behind" "$dir/monitor.err" ||
	fail 2 "the monitor warned" "$(cat "$dir/monitor.err")"
# Gaps plus what arrived cover the stall: at least the load's 20000 events
# (other events of the machine come on top).
[ $((events2 - events1 + gaps2)) -ge 20000 ] ||
	fail 2 "events seen + gaps cover at least the 20000 events of the stall" "seen $((events2 - events1)), gaps $gaps2"
echo "ok 2 - stalled multicast reader: $over2 overruns, $gaps2 serial gaps, warned"

# 3: the daemon, on its own socket, lost nothing.
samples=$(metrics "$port")
lost="kernel $(m 'needle_lost_events_total{cause="kernel"}') socket $(m 'needle_lost_events_total{cause="socket"}') ring $(m 'needle_lost_events_total{cause="ring"}') partial $(m 'needle_lost_events_total{cause="partial"}') sink $(m 'needle_lost_events_total{cause="sink"}')"
kill -TERM "$monitor"; wait "$monitor"; mstatus=$?
live_stop "$needle_pid"; status=$?
check=$(/usr/bin/python3 "$here/check_json.py" "$dir/log/needle.json" "$LIVE_KEY" 20500 openat \
	"/nonexistent/$LIVE_KEY"); checked=$?
daemon_events=$(grep -vc '"records":{"DAEMON_' "$dir/log/needle.json") # the kernel's, not needle's own
echo "# daemon: $check ($daemon_events events in all); lost: $lost; exit $status, monitor exit $mstatus"
# Upper bound: the reader cannot have seen or missed more events than the
# kernel sent the daemon over the whole run.
[ $((events2 + gaps2)) -le "$daemon_events" ] ||
	fail 3 "the multicast reader's events + gaps ($events2 + $gaps2) <= the daemon's events ($daemon_events)"
[ "$lost" = "kernel 0 socket 0 ring 0 partial 0 sink 0" ] && [ "$checked" = 0 ] &&
	[ "$status" = 0 ] && [ "$mstatus" = 0 ] || fail 3 "the daemon lost nothing" "$(cat "$dir/stderr")"
[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] || fail 3 "kernel state restored"
echo "ok 3 - the daemon got all 20500 events meanwhile; kernel state restored"
