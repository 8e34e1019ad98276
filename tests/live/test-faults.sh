#!/usr/bin/env bash
# Live: a pipeline thread that fails, and an output whose last fsync fails,
# provoked with the test-only switch NEEDLE_TEST_FAULT (pipeline/fault.h).
# For each: needle logs the cause, stops by itself or on SIGTERM within a
# deadline (never hangs), exits as it should, and leaves the kernel as it
# found it (settings, pid 0, no needle rules).
#   1 listener-recv:N   the listener's recvmmsg fails mid-load: every event
#                       received before is in the log; exit 1
#   2 listener-alloc    the listener cannot allocate its buffers; exit 1
#   3 decoder-assembler decoder 0 of 2 fails while records flow into its
#                       ring (ring_full = block): the listener does not wait
#                       on it, what was meant for it is counted; exit 1
#   4 rcvtimeo          the socket's receive timeout cannot be set: a quiet
#                       socket still stops at SIGTERM; exit 0
#   5 sink-fsync        the JSON file's fsync at stop fails: the summary
#                       counts exactly the events written to it; exit 1
# usage: test-faults.sh NEEDLE LOADGEN   (TAP; root; one at a time)
set -u
NEEDLE=$1 loadgen=$(readlink -f "$2")
. "$(dirname "$0")/lib.sh"
live_require tap
live_setup "needle-fault-$$"
key=$LIVE_KEY top=$LIVE_TOP
rules_before=$(auditctl -l)
DEADLINE=20 # seconds from SIGTERM (or from start) to exit

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done
}

add_rule() { auditctl -a always,exit -F arch=b64 -S openat -F exe="$loadgen" -F exit=-ENOENT -k "$1" >/dev/null; }
del_rules() { auditctl -D -k "$key-a" >/dev/null 2>&1; auditctl -D -k "$key-b" >/dev/null 2>&1; }
trap 'del_rules; live_cleanup' EXIT

# start NAME FAULT CONF: needle in the background with the fault armed.
start() {
	local name=$1 fault=$2 conf=$3
	mkdir -p "$top/$name"
	printf '%s\n' "log_dir = $top/$name/log" "plugin_dir =" "backlog_wait_time = 100" "metrics_listen =" \
		"control_socket =" "$conf" > "$top/$name/needle.conf"
	NEEDLE_TEST_FAULT=$fault "$NEEDLE" run --foreground -c "$top/$name/needle.conf" \
		2> "$top/$name/stderr" &
	pid=$!
	LIVE_PIDS+=("$pid")
}

# wait_collecting NAME: until needle says it collects (or has ended).
wait_collecting() { live_wait_collecting "$top/$1/stderr" "$pid"; }

# finish: waits for needle to end within DEADLINE; status in $status (124
# and a SIGKILL when it hung).
finish() {
	local t=0
	while kill -0 "$pid" 2>/dev/null && [ $t -lt $((DEADLINE * 10)) ]; do sleep 0.1; t=$((t + 1)); done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"; wait "$pid" 2>/dev/null; status=124
	else
		wait "$pid"; status=$?
	fi
}

# restored: the kernel as the test found it (settings, pid 0, rules).
restored() {
	[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] && [ "$(auditctl -l)" = "$rules_before" ]
}

# exactly COUNT whole openat events with KEY in FILE (check_json.py says why not)
whole_events() {
	python3 "$(dirname "$0")/check_json.py" "$1" "$2" "$3" openat "/nonexistent/$2" 2>&1
}

# The numbers of the stop summary.
summary_field() { grep -o "[0-9]* $1" "$2" | head -1 | awk '{print $1}'; }

echo "TAP version 13"
echo "1..5"

# 1. recvmmsg fails once the listener has passed N records. Load A (L
#    events of 5 records) comes first and is whole in the log; load B
#    pushes the count past N, the listener fails in its middle.
L=300
N=$((5 * L + 50))
start recv "listener-recv:$N" "default_rules = no"
if wait_collecting recv; then
	add_rule "$key-a"
	"$loadgen" 1 $L "/nonexistent/$key-a" > /dev/null
	auditctl -D -k "$key-a" > /dev/null
	add_rule "$key-b"
	"$loadgen" 1 1000 "/nonexistent/$key-b" > /dev/null
	del_rules
	# It stops by itself; SIGTERM only if it did not fail (then status 0).
	t=0; while kill -0 "$pid" 2>/dev/null && [ $t -lt 50 ]; do sleep 0.1; t=$((t + 1)); done
	kill -TERM "$pid" 2>/dev/null
fi
finish
err=$top/recv/stderr json=$top/recv/log/needle.json
a=$(whole_events "$json" "$key-a" $L); a_ok=$?
# The kernel's events: needle's own DAEMON_START and DAEMON_ABORT lines aside.
lines=$(grep -vc '"records":{"DAEMON_' "$json" 2>/dev/null)
events=$(summary_field "events (" "$err")
received=$(summary_field "records received" "$err")
echo "# exit $status; load A: $a; log $lines lines, summary $events events, $received records"
if [ "$status" = 1 ] && grep -q "listener 0: recvmmsg failed: Input/output error; stopping" "$err" &&
	[ $a_ok = 0 ] && [ "${events:-x}" = "$lines" ] &&
	[ "${received:-0}" -ge "$N" ] && restored; then
	ok "listener recvmmsg failure: cause logged, every event received before it written, exit 1, kernel restored"
else
	not_ok "listener recvmmsg failure" "exit $status (want 1), load A: $a, log $lines summary ${events:-none}, received ${received:-none} (N $N)" \
		"settings $(ks_settings | tr '\n' ' ')" "rules $(auditctl -l)" "$(cat "$err")"
fi

# 2. The listener cannot allocate its buffers.
start alloc listener-alloc "default_rules = yes"
finish
err=$top/alloc/stderr
if [ "$status" = 1 ] && grep -q "listener 0: cannot allocate the receive buffers: Cannot allocate memory; stopping" "$err" &&
	restored; then
	ok "listener allocation failure: cause logged, stops by itself, exit 1, kernel restored"
else
	not_ok "listener allocation failure" "exit $status (want 1)" "settings $(ks_settings | tr '\n' ' ')" \
		"rules $(auditctl -l)" "$(cat "$err")"
fi

# 3. Decoder 0 of 2 fails once 32 KiB wait in its 64 KiB ring, with a load
#    running: the listener would wait for ever on that ring (ring_full =
#    block) and stop would hang; what was meant for it is counted instead.
add_rule "$key-a"
"$loadgen" 1 200000 "/nonexistent/$key-a" > /dev/null &
load=$!
start asm decoder-assembler:32768 "default_rules = no
decoder_threads = 2
ring_size = 64K"
finish
kill "$load" 2>/dev/null; wait "$load" 2>/dev/null
del_rules
err=$top/asm/stderr
abandoned=$(summary_field "records lost to a failed decoder" "$err")
echo "# exit $status; ${abandoned:-no} records lost to a failed decoder"
if [ "$status" = 1 ] && grep -q "decoder 0: cannot create its event assembler: Cannot allocate memory; stopping" "$err" &&
	[ "${abandoned:-0}" -gt 0 ] && restored; then
	ok "decoder failure with ring_full = block: cause logged, no hang, its records counted, exit 1, kernel restored"
else
	not_ok "decoder failure with ring_full = block" "exit $status (want 1; 124: hung)" \
		"settings $(ks_settings | tr '\n' ' ')" "rules $(auditctl -l)" "$(cat "$err")"
fi

# 4. No receive timeout: SIGTERM on a quiet socket still stops needle.
start rcvtimeo rcvtimeo "default_rules = yes"
if wait_collecting rcvtimeo; then
	add_rule "$key-a"
	"$loadgen" 1 100 "/nonexistent/$key-a" > /dev/null
	del_rules
	sleep 1 # quiet: the listener waits in recvmmsg
	kill -TERM "$pid"
fi
finish
err=$top/rcvtimeo/stderr
got=$(whole_events "$top/rcvtimeo/log/needle.json" "$key-a" 100); got_ok=$?
if [ "$status" = 0 ] && grep -q "cannot set the data socket's receive timeout" "$err" &&
	[ $got_ok = 0 ] && restored; then
	ok "no receive timeout: stop does not hang, all 100 events written, exit 0, kernel restored"
else
	not_ok "no receive timeout" "exit $status (want 0; 124: hung)" "$got" \
		"settings $(ks_settings | tr '\n' ' ')" "$(cat "$err")"
fi

# 5. The JSON file's fsync at stop fails.
start fsync sink-fsync "default_rules = no
output = json,raw"
if wait_collecting fsync; then
	add_rule "$key-a"
	"$loadgen" 1 200 "/nonexistent/$key-a" > /dev/null
	del_rules
	sleep 0.5
	kill -TERM "$pid"
fi
finish
err=$top/fsync/stderr json=$top/fsync/log/needle.json
lines=$(wc -l < "$json" 2>/dev/null)
said=$(grep -o "needle.json: Input/output error: up to [0-9]* events" "$err" | awk '{print $(NF-1)}')
counted=$(grep -o "up to [0-9]* events in files whose fsync or close failed (1 failures)" "$err" | awk '{print $3}')
echo "# exit $status; needle.json $lines lines; said ${said:-none}, summary ${counted:-none}"
if [ "$status" = 1 ] && [ "${said:-x}" = "$lines" ] && [ "${counted:-x}" = "$lines" ] && [ "$lines" -ge 200 ] &&
	restored; then
	ok "failed fsync at stop: counted ($lines events, every line of the file), said, exit 1"
else
	not_ok "failed fsync at stop" "exit $status (want 1), lines $lines, said ${said:-none}, summary ${counted:-none}" \
		"$(cat "$err")"
fi

[ "$failed" = 0 ]
