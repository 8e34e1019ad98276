#!/usr/bin/env bash
# Live: needle is killed (SIGKILL) in the middle of a load and a new needle
# started with the same log_dir. Every event of the load (the load
# generator's own count of its failing openat() calls) must be in the log
# exactly once, whole, or counted lost by the second needle, and the
# count must be exact:
#   calls = whole events with the key + lost (restart + socket + ring + partial)
# with the kernel's lost counter unchanged (nothing dropped there), and
# restart > 0 (the kill did lose events: the test provoked something).
# Then a clean stop and start with nothing happening in between: the
# third needle counts no restart loss.
# usage: test-restart.sh NEEDLE LOADGEN [DECODERS_BEFORE DECODERS_AFTER]
#   (TAP; root; one at a time)
set -u
NEEDLE=$1 loadgen=$(readlink -f "$2") dec_a=${3:-0} dec_b=${4:-0}
here=$(dirname "$0")
. "$here/lib.sh"
live_require
live_setup "needle-restart-$$"
key=$LIVE_KEY top=$LIVE_TOP
per_thread=15000 rate=10000

echo "TAP version 13"
echo "1..2"
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }

# start_in NAME DECODERS LOG: a needle writing to LOG (shared by the
# needles of one case); its stderr is its own.
start_in() {
	local name=$1 decoders=$2 log=$3
	mkdir -p "$top/$name"
	printf '%s\n' "log_dir = $top/$log" "plugin_dir =" "decoder_threads = $decoders" "backlog_wait_time = 100" \
		"max_log_file = 0" "event_timeout = 1000" "metrics_listen =" \
		"control_socket = $top/$name/control" \
		> "$top/$name/needle.conf"
	"$NEEDLE" run --foreground -c "$top/$name/needle.conf" 2> "$top/$name/stderr" &
	started_pid=$!
	LIVE_PIDS+=("$started_pid")
	live_wait_collecting "$top/$name/stderr" && return 0
	echo "# needle $name did not start:"; sed 's/^/# /' "$top/$name/stderr"
	return 1
}
metric() { # FILE NAME{LABELS}
	python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1])).get(sys.argv[2], -1)))' "$1" "$2"
}

lost_before=$(auditctl -s | awk '$1=="lost"{print $2}')
auditctl -a always,exit -F arch=b64 -S openat -F exe="$loadgen" -F exit=-ENOENT -k "$key" >/dev/null
if start_in first "$dec_a" log; then
	first=$started_pid
	# Paced, so that the load spans the kill and the restart.
	"$loadgen" --rate "$rate" 2 "$per_thread" "/nonexistent/$key" > "$top/loadgen.out" &
	load=$!
	# Kill in the middle: once the first needle has written a good part.
	for _ in $(seq 200); do
		[ "$(grep -c "$key" "$top/log/needle.json" 2>/dev/null)" -ge 4000 ] && break
		sleep 0.02
	done
	kill -KILL "$first"; wait "$first" 2>/dev/null
	written_by_first=$(grep -c "$key" "$top/log/needle.json")
	sleep 0.5
	t0=$(date +%s%N)
	start_in second "$dec_b" log; second_ok=$?
	startup_ms=$((($(date +%s%N) - t0) / 1000000))
	wait "$load"
	# A few more after the load, so that every decoder of the second needle
	# has seen a serial above the gaps (however late it started); gaps
	# within a decoder's window are declared after twice event_timeout.
	"$loadgen" 1 50 "/nonexistent/$key" >> "$top/loadgen.out"
	sleep 2.5
	"$NEEDLE" stat --json --socket "$top/second/control" > "$top/second/stat.json"
	live_stop "$started_pid"; status=$?
	auditctl -D -k "$key" >/dev/null
	lost_after=$(auditctl -s | awk '$1=="lost"{print $2}')
	calls=$(awk '$1=="mix"{n += $3} END{print n}' "$top/loadgen.out")
	unexpected=$(awk '$1=="mix"{n += $9} END{print n}' "$top/loadgen.out")
	read -r _ whole _ partial _ partial_key _ other_partial _ twice \
		<<< "$(python3 "$here/check_restart.py" "$top/log/needle.json" "$key")"
	s=$top/second/stat.json
	restart=$(metric "$s" 'needle_lost_events_total{cause="restart"}')
	socket=$(metric "$s" 'needle_lost_events_total{cause="socket"}')
	ring=$(metric "$s" 'needle_lost_events_total{cause="ring"}')
	partial_lost=$(metric "$s" 'needle_lost_events_total{cause="partial"}')
	counted=$((restart + socket + ring + partial_lost))
	summary=$(grep "stopped:" "$top/second/stderr")
	detail="calls $calls (unexpected $unexpected), first needle wrote $written_by_first before the kill;
second needle collecting $startup_ms ms after it was started;
whole $whole, partial written $partial ($partial_key with the key), serials written twice $twice;
lost: restart $restart socket $socket ring $ring partial $partial_lost = $counted; kernel lost $lost_before -> $lost_after;
$summary"
	if [ "$second_ok" = 0 ] && [ "$status" = 0 ] && [ "${unexpected:-1}" = 0 ] && [ "$twice" = 0 ] &&
		[ "$restart" -gt 0 ] && [ "$calls" = $((whole + counted)) ] &&
		[ "$lost_before" = "$lost_after" ] &&
		grep -q "resuming from $top/log/needle.progress" "$top/second/stderr" &&
		grep -q "stopped: besides, $restart events before this start (restart)," "$top/second/stderr"; then
		ok "SIGKILL mid-load: every call written once or counted lost, exactly ($whole + $counted = $calls; restart $restart)"
		echo "$detail" | sed 's/^/# /'
	else
		not_ok "SIGKILL mid-load: every call written once or counted lost, exactly" "$detail" \
			"$(sed 's/^/second: /' "$top/second/stderr")"
	fi
else
	auditctl -D -k "$key" >/dev/null
	not_ok "SIGKILL mid-load: every call written once or counted lost, exactly" "the first needle did not start"
fi

# A clean stop, a start with nothing in between: nothing counted as lost.
# (A log_dir of its own: what the first case left unresolved would count.)
if start_in third "$dec_b" log2; then
	auditctl -a always,exit -F arch=b64 -S openat -F exe="$loadgen" -F exit=-ENOENT -k "$key" >/dev/null
	"$loadgen" 1 100 "/nonexistent/$key" > /dev/null
	auditctl -D -k "$key" >/dev/null
	sleep 0.3
	live_stop "$started_pid"
	if start_in fourth "$dec_a" log2; then
		auditctl -a always,exit -F arch=b64 -S openat -F exe="$loadgen" -F exit=-ENOENT -k "$key" >/dev/null
		"$loadgen" 1 100 "/nonexistent/$key" > /dev/null
		auditctl -D -k "$key" >/dev/null
		sleep 2.5 # a gap would be declared by now (twice event_timeout)
		"$NEEDLE" stat --json --socket "$top/fourth/control" > "$top/fourth/stat.json"
		live_stop "$started_pid"
		restart=$(metric "$top/fourth/stat.json" 'needle_lost_events_total{cause="restart"}')
		whole=$(metric "$top/fourth/stat.json" 'needle_decoder_events_total{state="whole"}')
		if [ "$restart" = 0 ] && [ "$whole" -ge 100 ] &&
			grep -q "stopped: besides, 0 events before this start (restart)," "$top/fourth/stderr"; then
			ok "clean stop and start: no restart loss ($whole events after the start)"
		else
			not_ok "clean stop and start: no restart loss" "restart $restart, whole $whole" \
				"$(sed 's/^/fourth: /' "$top/fourth/stderr")"
		fi
	else
		not_ok "clean stop and start: no restart loss" "the fourth needle did not start"
	fi
else
	not_ok "clean stop and start: no restart loss" "the third needle did not start"
fi
[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] || { echo "# kernel state changed: $(ks_settings)"; failed=$((failed + 1)); }
[ "$failed" = 0 ]
