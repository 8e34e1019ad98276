#!/usr/bin/env bash
# Live: auditd's space policy on a real file system that fills. log_dir is
# a 32 MiB tmpfs of the test's own (unmounted in the exit trap); a filler
# file takes it down to each level: below space_left (16 MiB), below
# admin_space_left (8 MiB), and full (a write meets ENOSPC). For each
# action at each level (ignore, syslog, rotate, suspend; disk_full_action:
# ignore, rotate, suspend), set by SIGHUP on one running needle, the test
# checks what the action does (the warning, the rotations deleting the
# oldest generation, writing suspended and resumed by itself once the
# filler goes), and that every call of the load generator in that phase
# is either in the JSON log once or counted lost by needle
# (needle_lost_events_total{cause="sink"}): compared with the load's own
# count of its calls. Generations the rotate action deletes were read
# before (disk_ids.py keeps every id seen). The kernel is left as it was.
# usage: test-disk.sh NEEDLE LOADGEN   (TAP)
set -u
NEEDLE=$1 loadgen=$(readlink -f "$2")
here=$(dirname "$0")
. "$here/lib.sh"
live_require tap
command -v fallocate >/dev/null || live_skip tap "fallocate missing (util-linux)"
live_setup "needle-disk-$$"
dir=$LIVE_TOP/disk
log=$dir/log
mkdir -p "$log"
mount -t tmpfs -o size=32m,mode=0700 needle-test-disk "$log" ||
	live_skip tap "cannot mount a tmpfs here"
disk_cleanup() {
	local p
	for p in "${LIVE_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${LIVE_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	umount "$log" 2>/dev/null || umount -l "$log"
	live_cleanup
}
trap disk_cleanup EXIT

echo "TAP version 13"
echo "1..13"
n=0
fail() { echo "not ok $((n + 1)) - $1"; shift; for l in "$@"; do echo "# $l"; done; exit 1; }
pass() { n=$((n + 1)); echo "ok $n - $1"; }

MiB=1048576
settings() { # space_left_action admin_space_left_action disk_full_action
	printf '%s\n' "output = json" "decoder_threads = 1" "num_logs = 20" "max_log_file = 0" \
		"space_left = 16" "admin_space_left = 8" "space_left_action = $1" \
		"admin_space_left_action = $2" "disk_full_action = $3" "event_timeout = 500" \
		"backlog_limit = 65536" "backlog_wait_time = 1000" \
		"metrics_listen =" "control_socket = $dir/control"
}
live_start disk "$(settings ignore ignore ignore)" || fail "needle started"
needle_pid=$started_pid
err=$dir/stderr
lost_before=$(auditctl -s | awk '$1=="lost"{print $2}')
auditctl -a always,exit -F arch=b64 -S openat -F exe="$loadgen" -F exit=-ENOENT -k "$LIVE_KEY" >/dev/null

# needle's figures, read through the control socket (needle stat --json):
# one "KEY VALUE" line per sample, KEY as the metrics page writes it.
metrics() {
	samples=$("$NEEDLE" stat --json --socket "$dir/control" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
for k, v in json.load(sys.stdin).items():
    print(k, "%d" % v)')
}
m() { awk -v k="$1" '$1==k{print $2}' <<< "$samples"; }
lost() { m 'needle_lost_events_total{cause="sink"}'; }
formatted() { echo $(($(m 'needle_decoder_events_total{state="whole"}') + $(m 'needle_decoder_events_total{state="partial"}'))); }
# Until what the sink did stops moving (the events of a load are out).
settle() {
	local prev= cur
	for _ in $(seq 30); do
		sleep 0.4
		metrics
		cur=$(m 'needle_sink_events_total{output="json"}')/$(lost)/$(formatted)
		[ "$cur" = "$prev" ] && return
		prev=$cur
	done
}
free_bytes() { stat -f -c '%a %S' "$log" | awk '{printf "%d", $1 * $2}'; }
fillers=0
fill_to() { # leave this many bytes free
	local size=$(($(free_bytes) - $1))
	fillers=$((fillers + 1))
	[ "$size" -gt 0 ] && fallocate -l "$size" "$log/filler.$fillers"
}
unfill() { rm -f "$log"/filler.*; }
# SIGUSR2: needle checks the space now; done when its free-space gauge
# shows the file system as it is (within 1 MiB: the progress note moves).
gauge_is_fs() {
	local gauge fs
	metrics
	gauge=$(m needle_log_dir_free_bytes) fs=$(free_bytes)
	[ -n "$gauge" ] && [ $((gauge - fs)) -le $MiB ] && [ $((fs - gauge)) -le $MiB ]
}
check_now() { kill -USR2 "$needle_pid"; wait_for 3 gauge_is_fs || fail "needle checked the space on SIGUSR2"; }
said() { grep -c -- "$1" "$err"; }
said_more() { [ "$(said "$1")" -gt "$2" ]; } # pattern, than this many lines
free_above() { [ "$(free_bytes)" -gt "$1" ]; }
wait_for() { # seconds, then a command that must come true
	local t=$1; shift
	for _ in $(seq $((t * 10))); do "$@" && return 0; sleep 0.1; done
	return 1
}
reloads=0
reload() {
	reloads=$((reloads + 1))
	{ echo "log_dir = $log"; settings "$@"; echo "plugin_dir ="; } > "$dir/needle.conf"
	kill -HUP "$needle_pid"
	wait_for 5 said_more "SIGHUP: configuration reloaded" $((reloads - 1)) || fail "SIGHUP reloaded"
}
calls_total=0
load() { # calls; the load generator's own count of them goes to $calls
	local out
	out=$("$loadgen" 1 "$1" "/nonexistent/$LIVE_KEY")
	calls=$(awk '$1=="mix"{print $3}' <<< "$out")
	calls_total=$((calls_total + calls))
}
ids() { /usr/bin/python3 "$here/disk_ids.py" "$dir/ids.json" "$LIVE_KEY" "$log/needle.json"; }
load_ids() { ids | awk '{print $2}'; }
# A generation that only the rotate action can delete: the oldest one.
plant() { # bytes
	{ printf '{"id":"planted-%s","pad":"' "$$"; head -c "$1" /dev/zero | tr '\0' x; printf '"}\n'; } \
		> "$log/needle.json.19"
}
planted_gone() { ! grep -qs "planted-$$" "$log"/needle.json*; }

# One phase's account: the load's calls, written once or counted lost.
# The machine's own events lost meanwhile (none expected) may add to the
# lost count, never more than the events needle formatted besides the load.
account() { # name calls ids_before lost_before formatted_before
	local name=$1 c=$2 w l f dup
	settle
	read -r _ w _ _ _ dup < <(ids)
	w=$((w - $3)) l=$(($(lost) - $4)) f=$(($(formatted) - $5))
	echo "# $name: $c calls: $w written, $l counted lost (sink), $((f - c)) other events formatted"
	[ "$dup" = 0 ] || fail "$name: no event written twice" "$dup ids twice"
	[ "$w" -le "$c" ] && [ $((w + l)) -ge "$c" ] && [ $((w + l - c)) -le $((f - c)) ] ||
		fail "$name: every call written or counted lost" "$(tail -5 "$err")"
	written=$w
	lost_in=$l
}
snap() { metrics; ids_at=$(load_ids); lost_at=$(lost); formatted_at=$(formatted); }

resumed=0
# Below space_left (16 MiB): 12 MiB free. Below admin_space_left: 4 MiB.
level_free() { [ "$1" = space_left ] && echo $((12 * MiB)) || echo $((4 * MiB)); }
for level in space_left admin_space_left; do
	for action in ignore syslog rotate suspend; do
		name="$level $action"
		if [ "$level" = space_left ]; then reload "$action" ignore ignore; else reload ignore "$action" ignore; fi
		snap
		rot_at=$(m 'needle_sink_rotations_total{output="json"}')
		said_at=$(said "below $level ")
		[ "$action" = rotate ] && plant $((2 * MiB))
		fill_to "$(level_free "$level")"
		check_now
		case $action in
		ignore|syslog) ;;
		rotate) wait_for 5 planted_gone || fail "$name: the oldest generation deleted" "$(ls -l "$log")" ;;
		suspend) wait_for 5 said_more "writing suspended ($level""_action = suspend)" 0 ||
			fail "$name: writing suspended" "$(tail -3 "$err")" ;;
		esac
		metrics
		suspended=$(m 'needle_sink_suspended{output="json"}')
		load 300
		account "$name" "$calls" "$ids_at" "$lost_at" "$formatted_at"
		warned=$(($(said "below $level ") - said_at))
		case $action in
		ignore)
			[ "$written" = "$calls" ] && [ "$warned" = 0 ] && [ "$suspended" = 0 ] ||
				fail "$name: nothing said, every call written" "warned $warned" ;;
		syslog)
			[ "$written" = "$calls" ] && [ "$warned" = 1 ] && [ "$suspended" = 0 ] &&
				grep -q "below $level ([0-9.]* MiB): make room there" "$err" ||
				fail "$name: warned once, every call written" "warned $warned" ;;
		rotate)
			rot=$(($(m 'needle_sink_rotations_total{output="json"}') - rot_at))
			echo "# $name: $rot rotations"
			[ "$written" = "$calls" ] && [ "$rot" -ge 1 ] && planted_gone &&
				grep -q "below $level ([0-9.]* MiB): rotating the logs each second" "$err" ||
				fail "$name: rotated, the oldest generation deleted, every call written" ;;
		suspend)
			[ "$suspended" = 1 ] && [ "$written" = 0 ] && [ "$lost_in" -ge "$calls" ] ||
				fail "$name: suspended, every call counted lost" "suspended $suspended" ;;
		esac
		unfill
		check_now
		if [ "$action" = suspend ]; then
			wait_for 5 said_more "writing resumed" "$resumed" ||
				fail "$name: writing resumed once the filler went" "$(tail -3 "$err")"
			snap
			load 100
			account "$name, resumed" "$calls" "$ids_at" "$lost_at" "$formatted_at"
			[ "$written" = "$calls" ] || fail "$name: resumed, every call written"
			[ "$(m 'needle_sink_suspended{output="json"}')" = 0 ] || fail "$name: the gauge says writing"
		fi
		resumed=$(said "writing resumed")
		free_above $((17 * MiB)) || fail "$name: space back"
		pass "$name: $calls calls, $written written, $lost_in counted lost"
	done
done

# A full disk: a write meets ENOSPC with 64 KiB left (more than the last
# 5 blocks, so statvfs alone would not say full).
for action in ignore rotate suspend; do
	name="disk_full $action"
	reload ignore ignore "$action"
	snap
	full_at=$(said "is full")
	[ "$action" = rotate ] && plant $((10 * MiB))
	fill_to 65536
	load 300
	account "$name" "$calls" "$ids_at" "$lost_at" "$formatted_at"
	wait_for 5 said_more "is full" "$full_at" || fail "$name: the full disk said" "$(tail -3 "$err")"
	first_calls=$calls first_written=$written first_lost=$lost_in
	case $action in
	ignore)
		[ "$first_lost" -ge 1 ] && grep -q "writes fail and their events are counted lost (disk_full_action = ignore)" "$err" ||
			fail "$name: writes failed and were counted" ;;
	rotate)
		wait_for 5 planted_gone || fail "$name: the oldest generation deleted"
		wait_for 5 grep -q "no longer full (disk_full_action = rotate)" "$err" ||
			fail "$name: the rotation made room" "$(tail -3 "$err")" ;;
	suspend)
		wait_for 5 grep -q "writing suspended; events are counted lost (disk_full_action = suspend)" "$err" ||
			fail "$name: writing suspended" "$(tail -3 "$err")"
		snap
		load 100
		account "$name, suspended" "$calls" "$ids_at" "$lost_at" "$formatted_at"
		[ "$written" = 0 ] && [ "$(m 'needle_sink_suspended_events_total{output="json"}')" -ge "$calls" ] ||
			fail "$name: suspended, every call counted lost as suspended" ;;
	esac
	[ "$action" = rotate ] || unfill
	check_now
	if [ "$action" = suspend ]; then
		wait_for 5 said_more "writing resumed" "$resumed" || fail "$name: writing resumed"
		resumed=$(said "writing resumed")
	fi
	snap
	load 100
	account "$name, space back" "$calls" "$ids_at" "$lost_at" "$formatted_at"
	[ "$written" = "$calls" ] || fail "$name: space back, every call written"
	unfill
	check_now
	free_above $((17 * MiB)) || fail "$name: space back"
	pass "$name: $first_calls calls, $first_written written, $first_lost counted lost; then $calls of $calls written"
done

# The whole run: every call of the load generator in the log once (read
# before any rotation deleted it) or counted lost; the kernel lost none.
auditctl -D -k "$LIVE_KEY" >/dev/null
settle
read -r _ written _ other _ dup < <(ids)
total_lost=$(lost) total_formatted=$(formatted)
lost_after=$(auditctl -s | awk '$1=="lost"{print $2}')
echo "# all phases: $calls_total calls: $written written, $total_lost counted lost (sink); $other other events written of $((total_formatted - calls_total)) formatted besides the load; kernel lost $lost_before -> $lost_after"
[ "$lost_before" = "$lost_after" ] || fail "the kernel lost nothing (precondition)"
[ "$dup" = 0 ] && [ "$written" -le "$calls_total" ] &&
	[ $((written + total_lost)) -ge "$calls_total" ] &&
	[ $((written + total_lost - calls_total)) -le $((total_formatted - calls_total - other)) ] ||
	fail "every call written once or counted lost" "$(tail -5 "$err")"
pass "all phases: $written + $total_lost = $((written + total_lost)) for $calls_total calls"
live_stop "$needle_pid"; status=$?
[ "$status" = 0 ] || fail "needle exited 0" "$(tail -5 "$err")"
[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] || fail "kernel state restored"
pass "needle stopped cleanly, kernel state restored"
