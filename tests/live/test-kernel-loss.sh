#!/usr/bin/env bash
# Live, provoked loss in the kernel: needle's only output is a FIFO whose
# reader never reads, so the decoder, the ring, the socket and then the
# kernel's backlog (64 records, backlog_wait_time 0) fill and the kernel
# drops. needle_lost_records_total{cause="kernel"} and
# needle_lost_events_total{cause="kernel"} must rise by exactly the
# kernel's own lost delta, needle must warn, and after the reader goes the
# events still in needle are counted lost in failed writes, and the kernel
# is left as it was.
# usage: test-kernel-loss.sh NEEDLE LOADGEN   (TAP)
set -u
NEEDLE=$1 loadgen=$(readlink -f "$2")
. "$(dirname "$0")/lib.sh"
live_require tap
live_setup "needle-kloss-$$"
here=$(dirname "$0")
port=$((20000 + ($$ + 7) % 20000))

echo "TAP version 13"
echo "1..1"
fail() { echo "not ok 1 - kernel loss accounted"; for l in "$@"; do echo "# $l"; done; exit 1; }

mkdir -p "$LIVE_TOP/kloss/log"
mkfifo "$LIVE_TOP/kloss/log/needle.json"
# Holds the FIFO open for reading and never reads: writes block when full.
sleep 600 < "$LIVE_TOP/kloss/log/needle.json" &
holder=$!
LIVE_PIDS+=("$holder")
lost_before=$(auditctl -s | awk '$1=="lost"{print $2}')
live_start kloss "output = json
decoder_threads = 1
ring_size = 64K
socket_buffer = 64K
backlog_limit = 64
backlog_wait_time = 0
metrics_listen = 127.0.0.1:$port
control_socket =" || fail "needle did not start"
needle_pid=$started_pid
auditctl -a always,exit -F arch=b64 -S openat -F exe="$loadgen" -F exit=-ENOENT -k "$LIVE_KEY" >/dev/null
"$loadgen" 1 20000 "/nonexistent/$LIVE_KEY" > /dev/null
auditctl -D -k "$LIVE_KEY" >/dev/null
sleep 2.5 # the kernel status is polled once a second
lost_after=$(auditctl -s | awk '$1=="lost"{print $2}')
samples=$(/usr/bin/python3 "$here/check_metrics.py" "http://127.0.0.1:$port/metrics" 2>/dev/null)
metric=$(awk '$1=="needle_lost_records_total{cause=\"kernel\"}"{print $2}' <<< "$samples")
events_metric=$(awk '$1=="needle_lost_events_total{cause=\"kernel\"}"{print $2}' <<< "$samples")
# Let the events still in needle go: the writes fail and are counted.
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
live_stop "$needle_pid"; status=$?
delta=$((lost_after - lost_before))
stderr=$(cat "$LIVE_TOP/kloss/stderr")
echo "# kernel lost $lost_before -> $lost_after (delta $delta), needle's metric ${metric:-none}, exit $status"
[ "$delta" -gt 0 ] || fail "the kernel lost nothing: the stall did not reach it" "$stderr"
[ "${metric:-x}" = "$delta" ] || fail "needle_lost_records_total{cause=kernel} ${metric:-none} != kernel delta $delta" "$stderr"
[ "${events_metric:-x}" = "$delta" ] || fail "needle_lost_events_total{cause=kernel} ${events_metric:-none} != kernel delta $delta" "$stderr"
grep -q "warning: [0-9]* records lost in the kernel" <<< "$stderr" || fail "no warning about kernel loss" "$stderr"
[ "$status" = 0 ] || fail "needle exited $status" "$stderr"
[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] || fail "kernel state changed"
echo "ok 1 - kernel loss accounted: delta $delta = needle's metric, warned, state restored"
