#!/usr/bin/env bash
# Live, provoked loss in the ring: ring_full = drop, a 64 KiB ring and a
# JSON output that is a FIFO read slowly, so the decoder waits on its
# writes, the ring fills and the listener drops. Each event the ring
# damaged is either missing from the output or written partial ("records
# lost"); needle_lost_events_total{cause="ring"} must equal the events of
# the workload missing from the output (not there whole), the decoders'
# serial gaps and partial events must be exactly the ring's (whole and cut
# short), and no other cause may move. `needle stat` must show the same
# causes, each as measured, and no sum. The kernel is left as it was.
# usage: test-ring-drop.sh NEEDLE LOADGEN   (TAP)
set -u
NEEDLE=$1 loadgen=$(readlink -f "$2")
. "$(dirname "$0")/lib.sh"
live_require tap
live_setup "needle-rdrop-$$"
here=$(dirname "$0")
port=$((20000 + ($$ + 11) % 20000))
events=20000

echo "TAP version 13"
echo "1..3"
fail() { echo "not ok $1 - $2"; shift 2; for l in "$@"; do echo "# $l"; done; exit 1; }

dir=$LIVE_TOP/rdrop
mkdir -p "$dir/log"
mkfifo "$dir/log/needle.json"
/usr/bin/python3 "$here/slow_reader.py" "$dir/log/needle.json" "$dir/out.json" 2000000 "$dir/go" &
reader=$!
LIVE_PIDS+=("$reader")
lost_before=$(auditctl -s | awk '$1=="lost"{print $2}')
live_start rdrop "output = json
decoder_threads = 1
ring_size = 64K
ring_full = drop
socket_buffer = 8M
backlog_limit = 65536
backlog_wait_time = 1000
event_timeout = 300
metrics_listen = 127.0.0.1:$port
control_socket = $dir/control" || fail 1 "needle started" "$(cat "$dir/stderr")"
needle_pid=$started_pid
auditctl -a always,exit -F arch=b64 -S openat -F exe="$loadgen" -F exit=-ENOENT -k "$LIVE_KEY" >/dev/null
"$loadgen" 1 "$events" "/nonexistent/$LIVE_KEY" > /dev/null
# Let the output go and the ring drain before the rule goes: its
# CONFIG_CHANGE event must get through, because only a later serial shows
# the last events' gaps. Then wait for partial events to time out and the
# gaps to be declared (twice event_timeout after the later serial is seen).
touch "$dir/go"
metrics() { /usr/bin/python3 "$here/check_metrics.py" "http://127.0.0.1:$port/metrics" 2>/dev/null; }
m() { awk -v k="$1" '$1==k{print $2}' <<< "$samples"; }
settle() {
	local prev= cur
	for _ in $(seq 40); do
		sleep 0.7
		samples=$(metrics)
		cur=$(m 'needle_decoder_serial_gaps_total{}')/$(m 'needle_decoder_events_total{state="partial"}')/$(m 'needle_sink_events_total{output="json"}')
		[ "$cur" = "$prev" ] && return
		prev=$cur
	done
}
settle
auditctl -D -k "$LIVE_KEY" >/dev/null
lost_after=$(auditctl -s | awk '$1=="lost"{print $2}')
settle
"$NEEDLE" stat --socket "$dir/control" > "$dir/stat" 2>&1
live_stop "$needle_pid"; status=$?
wait "$reader"
stderr=$(cat "$dir/stderr")
ring=$(m 'needle_lost_events_total{cause="ring"}')
ring_records=$(m 'needle_lost_records_total{cause="ring"}')
gaps=$(m 'needle_decoder_serial_gaps_total{}') partial=$(m 'needle_decoder_events_total{state="partial"}')
others="kernel $(m 'needle_lost_events_total{cause="kernel"}') socket $(m 'needle_lost_events_total{cause="socket"}') partial $(m 'needle_lost_events_total{cause="partial"}') sink $(m 'needle_lost_events_total{cause="sink"}')"
read -r whole cut < <(/usr/bin/python3 -c '
import json, sys
whole = cut = 0
for line in open(sys.argv[1], encoding="utf-8"):
    ev = json.loads(line)
    if sys.argv[2] not in (ev.get("why", {}).get("keys") or []):
        continue
    if not ev.get("partial"):
        whole += 1
    elif ev.get("partial_reason") == "records lost":
        cut += 1
print(whole, cut)' "$dir/out.json" "$LIVE_KEY")
missing=$((events - whole))
echo "# workload $events events: $whole whole in the output, $missing missing or partial ($cut written partial, records lost)"
echo "# ring: lost events $ring ($ring_records records); decoders saw $gaps serial gaps + $partial partial events; others: $others; kernel lost $lost_before -> $lost_after; exit $status"
[ "$status" = 0 ] || fail 1 "needle exited 0" "$stderr"
[ "$lost_before" = "$lost_after" ] || fail 1 "the kernel lost nothing (precondition)" "kernel lost $lost_before -> $lost_after"
[ "${ring:-0}" -gt 0 ] || fail 1 "the ring dropped (precondition)" "$stderr"
[ "$others" = "kernel 0 socket 0 partial 0 sink 0" ] || fail 1 "no loss but the ring's" "$others"
[ "$ring" = "$missing" ] || fail 1 "ring lost events ($ring) = events missing from the output ($missing)" "$stderr"
[ $((gaps + partial)) = "$ring" ] || fail 1 "decoders' serial gaps + partial events ($gaps + $partial) = ring lost events ($ring)"
[ "$partial" -ge "$cut" ] || fail 1 "partial events marked records lost ($cut) <= decoders' count ($partial)"
echo "ok 1 - ring drops: $ring events lost = $missing missing from the output ($gaps gaps, $partial partial)"
grep -q "warning: [0-9]* events dropped or cut short by full rings" <<< "$stderr" ||
	fail 2 "needle warned about ring drops" "$stderr"
[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] || fail 2 "kernel state restored"
echo "ok 2 - warned, kernel state restored"
stat_lost=$(grep '^lost ' "$dir/stat")
stat_events=$(grep '^events ' "$dir/stat")
echo "# needle stat: $stat_events / $stat_lost"
grep -q " ring $missing " <<< "$stat_lost " && grep -q " kernel 0 socket 0 " <<< "$stat_lost" &&
	grep -q "written whole $(m 'needle_decoder_events_total{state="whole"}'), partial $partial$" <<< "$stat_events" &&
	! grep -q "produced" "$dir/stat" ||
	fail 3 "needle stat shows the ring's $missing lost events as measured, no sum" "$(cat "$dir/stat")"
echo "ok 3 - needle stat: ring $missing (the load's events missing from the output), written counts, no sum"
