#!/usr/bin/env bash
# Live: rotation by time and on SIGUSR1, log_group's modes, and the flush
# policy's fsyncs. needle runs with rotate_every = hourly in a time zone
# (TZ, an offset of whole seconds) whose next hour begins 12 s after the
# test starts, so a real local hour boundary passes without waiting an
# hour; log_group = adm; flush = incremental, freq = 10. Three loads of
# the load generator: before the hour, after it, after SIGUSR1; each must
# be whole in its own generation, once (compared with the load's count of
# its calls), each file with auditd's modes: the current one 0640, the
# rotated ones 0440, group adm, log_dir 0750. Then a SIGUSR1 sent while
# needle starts (a logrotate's, just after a restart) is held, not fatal: it
# rotates once needle collects. The kernel is left as it was.
# usage: test-rotate.sh NEEDLE LOADGEN   (TAP)
set -u
NEEDLE=$1 loadgen=$(readlink -f "$2")
here=$(dirname "$0")
. "$here/lib.sh"
live_require tap
getent group adm >/dev/null || live_skip tap "no group adm on this machine (log_group's test)"
live_setup "needle-rot-$$"
dir=$LIVE_TOP/rot
log=$dir/log
adm=$(getent group adm | cut -d: -f3)

echo "TAP version 13"
echo "1..6"
n=0
fail() { echo "not ok $((n + 1)) - $1"; shift; for l in "$@"; do echo "# $l"; done; exit 1; }
pass() { n=$((n + 1)); echo "ok $n - $1"; }
said() { grep -c -- "$1" "$dir/stderr"; }
said_more() { [ "$(said "$1")" -gt "$2" ]; }
wait_for() { local t=$1; shift; for _ in $(seq $((t * 10))); do "$@" && return 0; sleep 0.1; done; return 1; }
mode() { stat -c '%a %g' "$1" 2>/dev/null; }
# Load events (the key's failing openat) in one file, JSON or RAW.
count() {
	case $1 in
	*.json*) /usr/bin/python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    ev = json.loads(line)
    n += sys.argv[2] in (ev.get("why", {}).get("keys") or []) and ev["what"].get("syscall") == "openat"
print(n)' "$1" "$LIVE_KEY" ;;
	*) grep -c "^type=SYSCALL .*key=\"$LIVE_KEY\"" "$1" ;;
	esac
}
calls_of() { "$loadgen" 1 "$1" "/nonexistent/$LIVE_KEY" | awk '$1=="mix"{print $3}'; }
has_events() { [ "$(count "$log/needle.json")" -ge "$1" ]; }
settle() { wait_for 10 has_events "$1"; } # the load's events in the current JSON file

# A zone where local time is UTC plus off seconds, off chosen so that the
# local hour ends 12 s from now.
off=$(( (3600 - 12 - $(date -u +%s) % 3600 + 3600) % 3600 ))
zone=$(printf 'NDL-0:%02d:%02d' $((off / 60)) $((off % 60)))
echo "# TZ=$zone: local time $(TZ=$zone date +%H:%M:%S), UTC $(date -u +%H:%M:%S)"
export TZ=$zone
live_start rot "output = json,raw
rotate_every = hourly
log_group = adm
flush = incremental
freq = 10
num_logs = 5
max_log_file = 0
decoder_threads = 1
backlog_wait_time = 1000
metrics_listen =
control_socket = $dir/control" || fail "needle started" "$(cat "$dir/stderr")"
unset TZ
needle_pid=$started_pid
auditctl -a always,exit -F arch=b64 -S openat -F exe="$loadgen" -F exit=-ENOENT -k "$LIVE_KEY" >/dev/null

[ "$(mode "$log/needle.json")" = "640 $adm" ] && [ "$(mode "$log/needle.log")" = "640 $adm" ] &&
	[ "$(mode "$log")" = "750 $adm" ] ||
	fail "log_group: files 0640 and log_dir 0750, group adm ($adm)" \
		"needle.json $(mode "$log/needle.json"), needle.log $(mode "$log/needle.log"), log_dir $(mode "$log")"
pass "log_group = adm: needle.json and needle.log 0640, log_dir 0750, group $adm"

a=$(calls_of 100)
settle "$a" || fail "the first load written" "$(count "$log/needle.json") of $a"
[ "$(said "a new hour began")" = 0 ] ||
	fail "the first load before the hour (the test was too slow to set it up)"
wait_for 20 said_more "rotated 2 log file(s): a new hour began (rotate_every = hourly, local time)" 0 ||
	fail "rotated at the local hour" "$(tail -3 "$dir/stderr")"
echo "# $(grep -m1 "a new hour began" "$dir/stderr")"
b=$(calls_of 100)
settle "$b" || fail "the second load written"
[ "$(count "$log/needle.json.1")" = "$a" ] && [ "$(count "$log/needle.log.1")" = "$a" ] &&
	[ "$(count "$log/needle.json")" = "$b" ] && [ "$(count "$log/needle.log")" = "$b" ] ||
	fail "the hour's rotation: the first load in .1, the second in the new file" \
		"json.1 $(count "$log/needle.json.1") json $(count "$log/needle.json") of $a, $b"
pass "rotate_every = hourly: rotated at the local hour; $a calls in needle.json.1 and needle.log.1, $b after it in the new files"

kill -USR1 "$needle_pid"
wait_for 5 said_more "SIGUSR1: rotated 2 log file(s)" 0 || fail "SIGUSR1 rotated" "$(tail -3 "$dir/stderr")"
c=$(calls_of 100)
settle "$c" || fail "the third load written"
for f in json log; do
	[ "$(count "$log/needle.$f.2")" = "$a" ] && [ "$(count "$log/needle.$f.1")" = "$b" ] &&
		[ "$(count "$log/needle.$f")" = "$c" ] ||
		fail "SIGUSR1: generations moved up, each load once in its own" \
			"needle.$f.2 $(count "$log/needle.$f.2"), .1 $(count "$log/needle.$f.1"), current $(count "$log/needle.$f")"
	for g in 1 2; do
		[ "$(mode "$log/needle.$f.$g")" = "440 $adm" ] ||
			fail "rotated files 0440, group adm" "needle.$f.$g: $(mode "$log/needle.$f.$g")"
	done
	[ "$(mode "$log/needle.$f")" = "640 $adm" ] || fail "the new file 0640, group adm"
done
pass "SIGUSR1: each load whole and once in its generation ($a, $b, $c calls); rotated files 0440, the current 0640, group $adm"

"$NEEDLE" stat --json --socket "$dir/control" > "$dir/stat.json" 2>&1
syncs=$(/usr/bin/python3 -c 'import json, sys; print(int(json.load(open(sys.argv[1]))["needle_sink_syncs_total{output=\"json\"}"]))' "$dir/stat.json")
echo "# flush = incremental, freq = 10: $syncs fsyncs of needle.json for $((a + b + c)) events"
[ "$syncs" -ge 3 ] && [ "$syncs" -le $(((a + b + c) / 10 + 3)) ] ||
	fail "the flush policy's fsyncs: at least one per load, at most one per 10 events" "$syncs"
pass "flush = incremental: $syncs fsyncs for $((a + b + c)) events"

auditctl -D -k "$LIVE_KEY" >/dev/null
live_stop "$needle_pid"; status=$?
[ "$status" = 0 ] || fail "needle exited 0" "$(tail -5 "$dir/stderr")"
[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] || fail "kernel state restored"
pass "needle stopped cleanly, kernel state restored"

# 6. SIGUSR1 while needle starts: held until the main loop takes it. The
# configuration is a FIFO, so needle waits in its open() (before any
# setting is known) until the test writes it; a SIGUSR1 there killed
# needle (its default action) before daemon_hold_signals().
early=$LIVE_TOP/early
mkdir -p "$early"
mkfifo "$early/needle.conf"
"$NEEDLE" run --foreground -c "$early/needle.conf" 2> "$early/stderr" &
epid=$!
LIVE_PIDS+=("$epid")
opened=no
for _ in $(seq 100); do
	[ "$(cat "/proc/$epid/wchan" 2>/dev/null)" = wait_for_partner ] && { opened=yes; break; }
	sleep 0.05
done
[ $opened = yes ] || fail "needle waits in the FIFO's open()" "wchan $(cat "/proc/$epid/wchan" 2>&1)"
kill -USR1 "$epid"
sleep 0.2
kill -0 "$epid" 2>/dev/null || { wait "$epid"; fail "a SIGUSR1 before the configuration is read does not kill needle" "exit $?"; }
printf '%s\n' "log_dir = $early/log" "metrics_listen =" "control_socket =" "plugin_dir =" \
	"rules = none" "backlog_wait_time = 1000" > "$early/needle.conf"
wait_for 10 grep -q "^needle: collecting" "$early/stderr" || fail "needle collecting after the early SIGUSR1" "$(cat "$early/stderr")"
wait_for 5 grep -q "SIGUSR1: rotated" "$early/stderr" || fail "the held SIGUSR1 rotated once collecting" "$(cat "$early/stderr")"
# Then a burst while it runs: a SIGUSR1 that comes while the main thread
# is busy lands on whichever thread leaves it unblocked (liburcu-cds's
# workqueue does), and must not kill needle there either.
for _ in $(seq 40); do kill -USR1 "$epid"; sleep 0.01; done
sleep 0.5
state=$(awk '$1=="State:"{print $2}' "/proc/$epid/status" 2>/dev/null)
[ "$state" = S ] || [ "$state" = R ] || { wait "$epid"; fail "a burst of SIGUSR1 does not kill needle" "exit $?" "$(tail -3 "$early/stderr")"; }
kill -TERM "$epid"; wait "$epid"; status=$?
[ "$status" = 0 ] && [ "$(ks_settings)" = "$SETTINGS_BEFORE" ] ||
	fail "stopped cleanly after the early SIGUSR1" "exit $status" "$(tail -5 "$early/stderr")"
pass "a SIGUSR1 while needle waits for its configuration is held: needle collects, then rotates; 40 more in 0.4 s: $(grep -c "SIGUSR1: rotated" "$early/stderr") rotations in all, still up; exit 0, kernel restored"
