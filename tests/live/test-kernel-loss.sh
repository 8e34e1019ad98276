#!/usr/bin/env bash
# Live, provoked loss in the kernel, checked against the load generator.
# needle's only output is a FIFO whose reader does not read during the
# load, so the decoder, the ring, the socket and then the kernel's backlog
# (64 records, backlog_wait_time 0) fill and the kernel refuses records.
#
# 1. The kernel's own lost counter (auditctl -s) against the load: of the
#    load's 20,000 failing openat() (5 records each with EOE), the events
#    missing from the output once the reader drains it each cost the kernel
#    one record (a SYSCALL record refused ends the event: the kernel writes
#    nothing more of it), and each event that arrived short of a record cost
#    one per record; the kernel's lost delta must be at least that and at
#    most a few records more (other processes' records refused meanwhile).
#    needle's kernel-loss metrics are the kernel's counter itself (AUDIT_GET),
#    not an independent count: they must equal its delta; needle must warn.
# 2. Failed writes: the reader goes away, 100 more events come: every event
#    formatted from then on fails to be written and is counted lost
#    (needle_sink_lost_events_total), at least the 100.
# The kernel is left as it was.
# usage: test-kernel-loss.sh NEEDLE LOADGEN   (TAP)
set -u
NEEDLE=$1 loadgen=$(readlink -f "$2")
. "$(dirname "$0")/lib.sh"
live_require tap
live_setup "needle-kloss-$$"
here=$(dirname "$0")
port=$((20000 + ($$ + 7) % 20000))
calls=20000
stray_max=10 # records of other processes the kernel may refuse in the same moments

echo "TAP version 13"
echo "1..2"
fail() { echo "not ok $1 - $2"; shift 2; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; exit 1; }
metrics() { /usr/bin/python3 "$here/check_metrics.py" "http://127.0.0.1:$port/metrics" 2>/dev/null; }
m() { awk -v k="$1" '$1==k{print $2}' <<< "$samples"; }

dir=$LIVE_TOP/kloss
mkdir -p "$dir/log"
mkfifo "$dir/log/needle.json"
# Opens the FIFO (needle's open waits for a reader) and reads nothing until
# the file go exists; then copies everything to out.json until killed.
/usr/bin/python3 -c '
import os, sys, time
fifo, out, go = sys.argv[1:]
with open(fifo, "rb", buffering=0) as src, open(out, "wb", buffering=0) as dst:
    while not os.path.exists(go):
        time.sleep(0.05)
    while True:
        data = src.read(65536)
        if not data:
            break
        dst.write(data)
' "$dir/log/needle.json" "$dir/out.json" "$dir/go" &
reader=$!
LIVE_PIDS+=("$reader")
lost_before=$(auditctl -s | awk '$1=="lost"{print $2}')
live_start kloss "output = json
decoder_threads = 1
ring_size = 64K
socket_buffer = 64K
backlog_limit = 64
backlog_wait_time = 0
metrics_listen = 127.0.0.1:$port
control_socket =" || fail 1 "needle started"
needle_pid=$started_pid
auditctl -a always,exit -F arch=b64 -S openat -F exe="$loadgen" -F exit=-ENOENT -k "$LIVE_KEY" >/dev/null
"$loadgen" 1 "$calls" "/nonexistent/$LIVE_KEY" > /dev/null
# The reader drains; wait until needle has written everything it holds.
touch "$dir/go"
prev=
for _ in $(seq 60); do
	sleep 0.5
	samples=$(metrics)
	cur=$(m 'needle_sink_events_total{output="json"}')/$(m 'needle_decoder_open_events{}')/$(stat -c %s "$dir/out.json")
	[ "$cur" = "$prev" ] && [ "$(m 'needle_decoder_open_events{}')" = 0 ] && break
	prev=$cur
done
sleep 1.2 # the kernel status is polled once a second
samples=$(metrics)
lost_after=$(auditctl -s | awk '$1=="lost"{print $2}')
delta=$((lost_after - lost_before))
metric=$(m 'needle_lost_records_total{cause="kernel"}')
events_metric=$(m 'needle_lost_events_total{cause="kernel"}')
own="socket $(m 'needle_lost_events_total{cause="socket"}') ring $(m 'needle_lost_events_total{cause="ring"}') sink $(m 'needle_lost_events_total{cause="sink"}')"
# Events of the load in the output, and the records missing from them:
# 4 records each (SYSCALL, CWD, PATH, PROCTITLE) plus an EOE, whose absence
# shows as an event ended by timeout.
read -r whole partial short_records < <(/usr/bin/python3 -c '
import json, sys
whole = partial = short = 0
for line in open(sys.argv[1], encoding="utf-8"):
    ev = json.loads(line)
    if sys.argv[2] not in (ev.get("why", {}).get("keys") or []):
        continue
    n = ev.get("record_count", 0)
    short += max(0, 4 - n) + (1 if ev.get("partial_reason") == "timeout" else 0)
    if ev.get("partial"):
        partial += 1
    else:
        whole += 1
print(whole, partial, short)' "$dir/out.json" "$LIVE_KEY")
missing=$((calls - whole - partial))
load_lost=$((missing + short_records))
stderr=$(cat "$dir/stderr")
echo "# load $calls calls: $whole events whole and $partial partial in the output ($short_records records missing from them), $missing missing"
echo "# kernel lost $lost_before -> $lost_after (delta $delta); the load's records refused: $missing + $short_records = $load_lost"
echo "# needle: lost records{kernel} ${metric:-none}, lost events{kernel} ${events_metric:-none}; its own causes: $own"
[ "$missing" -gt 0 ] || fail 1 "the kernel refused events of the load (precondition)" "$stderr"
[ "$own" = "socket 0 ring 0 sink 0" ] || fail 1 "needle lost nothing itself while the kernel refused" "$own"
[ "$delta" -ge "$load_lost" ] ||
	fail 1 "the kernel counted every record of the load it refused" "kernel delta $delta < $load_lost"
[ "$delta" -le $((load_lost + stray_max)) ] ||
	fail 1 "the kernel's lost delta is the load's refused records" "delta $delta > $load_lost + $stray_max"
[ "${metric:-x}" = "$delta" ] && [ "${events_metric:-x}" = "$delta" ] ||
	fail 1 "needle's kernel metrics are the kernel's counter" "records ${metric:-none}, events ${events_metric:-none}, kernel delta $delta"
grep -q "warning: [0-9]* records lost in the kernel" <<< "$stderr" || fail 1 "needle warned about kernel loss" "$stderr"
echo "ok 1 - kernel loss: $missing of $calls events missing + $short_records records short = $load_lost <= kernel delta $delta; needle's metric is that delta; warned"

# 2: the reader goes; every event needle formats from now on fails to be written.
formatted0=$(( $(m 'needle_decoder_events_total{state="whole"}') + $(m 'needle_decoder_events_total{state="partial"}') ))
sink0=$(m 'needle_sink_lost_events_total{output="json"}')
kill "$reader" 2>/dev/null; wait "$reader" 2>/dev/null
lost2_before=$(auditctl -s | awk '$1=="lost"{print $2}')
"$loadgen" --rate 500 1 100 "/nonexistent/$LIVE_KEY" > /dev/null # paced: the kernel should refuse none
sleep 1.5
samples=$(metrics)
lost2=$(( $(auditctl -s | awk '$1=="lost"{print $2}') - lost2_before ))
formatted=$(( $(m 'needle_decoder_events_total{state="whole"}') + $(m 'needle_decoder_events_total{state="partial"}') - formatted0 ))
sink_lost=$(( $(m 'needle_sink_lost_events_total{output="json"}') - sink0 ))
errors=$(m 'needle_sink_write_errors_total{output="json"}')
auditctl -D -k "$LIVE_KEY" >/dev/null
live_stop "$needle_pid"; status=$?
stderr=$(cat "$dir/stderr")
echo "# reader gone: $formatted events formatted, $sink_lost counted lost in $errors failed writes, the kernel refused $lost2 records meanwhile; exit $status"
# Every event of the second load reached needle, unless the kernel refused it
# (counted, one record each at most); each one needle formatted failed to
# be written and was counted.
[ $((formatted + lost2)) -ge 100 ] && [ "$sink_lost" = "$formatted" ] && [ "${errors:-0}" -gt 0 ] ||
	fail 2 "every event formatted after the reader left is counted lost in failed writes" "$stderr"
[ "$status" = 0 ] || fail 2 "needle exited 0" "$stderr"
[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] || fail 2 "kernel state restored"
echo "ok 2 - failed writes: $sink_lost of $formatted events counted lost; exit 0; kernel state restored"
