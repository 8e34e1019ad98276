#!/usr/bin/env bash
# Live: two threads of failing openat() under a narrow rule; every event
# arrives whole (SYSCALL, CWD, PATH, PROCTITLE; EOE not written) and the
# kernel's lost counter does not move.
# usage: test-load.sh NEEDLE LOADGEN PER_THREAD [LISTENERS DECODERS]
set -u
NEEDLE=$1 loadgen=$(readlink -f "$2") per_thread=$3 listeners=${4:-1} decoders=${5:-0}
. "$(dirname "$0")/lib.sh"
live_require
live_setup "needle-load-$$"
key=$LIVE_KEY

live_start load "listener_threads = $listeners
decoder_threads = $decoders
backlog_wait_time = 100
max_log_file = 0" || exit 1
needle_pid=$started_pid
dir=$LIVE_TOP/load
lost_before=$(auditctl -s | awk '$1=="lost"{print $2}')
auditctl -a always,exit -F arch=b64 -S openat -F exe="$loadgen" -F exit=-ENOENT -k "$key" >/dev/null
"$loadgen" 2 "$per_thread" "/nonexistent/$key" || exit 1
auditctl -D -k "$key" >/dev/null
lost_after=$(auditctl -s | awk '$1=="lost"{print $2}')
live_stop "$needle_pid"; status=$?
cat "$dir/stderr"
[ "$status" = 0 ] || { echo "needle exited with $status"; exit 1; }

expected=$((2 * per_thread))
log=$dir/log/needle.log
syscalls=$(grep -c "^type=SYSCALL .*key=\"$key\"" "$log")
# Whole events: every serial of ours has its SYSCALL, CWD, PATH and PROCTITLE.
whole=$(grep -F "/nonexistent/$key" "$log" | grep '^type=PATH' | sed 's/.*audit([0-9.]*:\([0-9]*\)).*/\1/' | sort -u > "$dir/serials"; \
	awk 'NR==FNR{want[$1]=1; next} match($0, /audit\([0-9.]+:[0-9]+\)/) {
		s=substr($0, RSTART, RLENGTH); sub(/.*:/, "", s); sub(/\)/, "", s)
		if (s in want) { split($0, f, " "); seen[s, f[1]]=1 } }
	END { n=0; for (s in want) if (seen[s,"type=SYSCALL"] && seen[s,"type=CWD"] && seen[s,"type=PATH"] && seen[s,"type=PROCTITLE"]) n++; print n }' \
	"$dir/serials" "$log")
echo "events expected $expected, SYSCALL records $syscalls, whole events $whole, kernel lost $lost_before -> $lost_after"
[ "$syscalls" = "$expected" ] && [ "$whole" = "$expected" ] && [ "$lost_before" = "$lost_after" ] || exit 1
# Nothing was lost, so the serial sequence has no gap either.
grep -q " 0 socket overruns, 0 serial gaps, 0 events (0 records) dropped by full rings, 0 events in failed writes$" "$dir/stderr" || {
	echo "a loss counter moved"; exit 1; }
python3 "$(dirname "$0")/check_json.py" "$dir/log/needle.json" "$key" "$expected" \
	openat "/nonexistent/$key" "$loadgen" || exit 1
[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] || { echo "kernel state changed"; exit 1; }
echo "kernel state restored"
