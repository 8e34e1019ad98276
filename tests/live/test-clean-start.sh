#!/usr/bin/env bash
# Live: a start and a stop with no load show no loss and no partial event.
# The kernel writes a CONFIG_CHANGE record for each setting and rule needle
# changes; each must reach the log as a whole event (with its SYSCALL and
# EOE), none may be cut or time out. Checked twice: on a kernel as these
# machines boot (audit off, no rules; needle turns audit on and loads its
# default rules) and on one already auditing with a rule of its own
# (needle only changes settings there).
#   - `needle stat --json` taken after event_timeout, before the stop: whole
#     events > 0, partial 0, every lost cause 0;
#   - the stop summary: 0 partial and every loss 0;
#   - the JSON log: no partial event, and the CONFIG_CHANGE events counted
#     independently (a setting, each default rule) are there, whole.
# Third, audit still on, a start with the same log_dir: the kernel's record
# of the second case's unregistration is in that log whole, or this start
# counts it lost (restart).
# usage: test-clean-start.sh NEEDLE HELPER   (TAP; root; one at a time)
set -u
NEEDLE=$1 helper=$(readlink -f "$2")
here=$(dirname "$0")
. "$here/lib.sh"
live_require
live_setup "needle-clean-$$"
key=$LIVE_KEY top=$LIVE_TOP

echo "TAP version 13"
echo "1..3"
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }

# NAME AT_START IN_LOG CONF: start, wait past event_timeout, stat, stop,
# check: at least AT_START CONFIG_CHANGE events by the stat (the start's),
# IN_LOG in the log (the stop's too).
run_case() {
	local name=$1 expect_start=$2 expect_cc=$3 conf=$4 stat zero causes whole partial summary log_counts
	if ! live_start "$name" "control_socket = $top/$name.control
metrics_listen =
$conf"; then
		not_ok "$name: clean start and stop" "did not start"
		return
	fi
	sleep 2.5 # past event_timeout: a record without its end would be partial now
	stat=$top/$name/stat.json
	"$NEEDLE" stat --json --socket "$top/$name.control" > "$stat"
	live_stop "$started_pid"
	causes=$(python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))
print(" ".join("%s=%d" % (c, s.get("needle_lost_events_total{cause=\"%s\"}" % c, -1))
	for c in ("kernel", "socket", "ring", "partial", "restart", "sink")))' "$stat")
	whole=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["needle_decoder_events_total{state=\"whole\"}"]))' "$stat")
	partial=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["needle_decoder_events_total{state=\"partial\"}"]))' "$stat")
	summary=$(grep "stopped:" "$top/$name/stderr")
	# Independent of needle's counters: the events in the log.
	log_counts=$(python3 -c 'import json,sys
partial = cc = 0
for line in open(sys.argv[1]):
    ev = json.loads(line)
    partial += bool(ev.get("partial"))
    r = ev["records"]
    cc += "CONFIG_CHANGE" in r and "SYSCALL" in r and not ev.get("partial")
print(partial, cc)' "$top/$name/log/needle.json")
	read -r log_partial log_cc <<< "$log_counts"
	zero="kernel=0 socket=0 ring=0 partial=0 restart=0 sink=0"
	if [ "$causes" = "$zero" ] && [ "$partial" = 0 ] && [ "$whole" -ge "$expect_start" ] &&
		echo "$summary" | grep -q " events (0 partial), .*lost: 0 socket overruns, 0 serial gaps, 0 events (0 records) dropped by full rings, 0 events in failed writes$" &&
		echo "$summary" | grep -q "stopped: besides, 0 events before this start (restart), 0 records lost to a failed decoder and up to 0 events" &&
		[ "$log_partial" = 0 ] && [ "$log_cc" -ge "$expect_cc" ]; then
		ok "$name: no loss, no partial event; $log_cc CONFIG_CHANGE events whole in the log"
	else
		not_ok "$name: clean start and stop" "stat before stop: $causes, whole $whole (at least $expect_start expected), partial $partial" \
			"log: $log_partial partial events, $log_cc whole CONFIG_CHANGE events (at least $expect_cc expected)" \
			"$(cat "$top/$name/stderr")" "partial events: $(grep '"partial"' "$top/$name/log/needle.json" | head -c 3000)"
	fi
}

# 1. As these machines boot: needle turns audit on, sets backlog_limit and
#    loads its default rules (when the kernel has none).
if [ -n "$(auditctl -l | grep -v '^No rules')" ]; then
	ok "default rules: # SKIP the kernel already has rules"
else
	before=$(auditctl -s | awk '$1=="enabled"{print $2}')
	if [ "$before" = 0 ]; then
		# At start backlog_limit and backlog_wait_time (turning audit on is
		# not logged: it was off) and at least 5 rules; at stop audit off.
		run_case defaults 7 8 "default_rules = yes
backlog_wait_time = 100"
		loaded=$(sed -n 's/.*loaded \([0-9]*\) default rule.*/\1/p' "$top/defaults/stderr")
		[ "${loaded:-0}" -ge 5 ] || { echo "# only ${loaded:-0} default rules loaded"; failed=$((failed + 1)); }
	else
		ok "default rules: # SKIP audit is already on"
	fi
fi

# 2. Audit on and a rule loaded before needle: the kernel does not audit
#    the audit daemon's own requests then; its settings change all the same.
auditctl -e 1 >/dev/null
auditctl -a always,exit -F arch=b64 -S openat -F exe="$helper" -F exit=-ENOENT -k "$key" >/dev/null
# Registered (logged: audit is on), backlog_limit and backlog_wait_time
# set; both restored at stop.
run_case audit-on 3 5 "default_rules = no
backlog_limit = 4321
backlog_wait_time = 99"
# 3. Audit still on, the same log_dir again: the kernel's record of the
#    unregistration above (CONFIG_CHANGE audit_pid=0) has no system call to
#    belong to; it reached the log whole, or no log, and then this start
#    counts it lost (restart), with whatever else the kernel numbered
#    meanwhile.
unreg=$(python3 -c 'import json,sys
n = 0
for line in open(sys.argv[1]):
    ev = json.loads(line); cc = ev["records"].get("CONFIG_CHANGE") or {}
    n += cc.get("audit_pid") == "0" and not ev.get("partial")
print(n)' "$top/audit-on/log/needle.json")
if live_start audit-on "control_socket = $top/again.control
metrics_listen =
default_rules = no"; then
	sleep 4.5 # past twice event_timeout: the gap is declared
	"$NEEDLE" stat --json --socket "$top/again.control" > "$top/again.json"
	live_stop "$started_pid"
	restart=$(python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["needle_lost_events_total{cause=\"restart\"}"]))' "$top/again.json")
	if { [ "$unreg" = 1 ] && [ "$restart" = 0 ]; } || { [ "$unreg" = 0 ] && [ "$restart" -ge 1 ]; }; then
		ok "audit on: the unregistration record is in the log whole ($unreg) or counted lost at the next start (restart $restart)"
	else
		not_ok "audit on: the unregistration record" "whole in the log: $unreg, restart at the next start: $restart" \
			"$(cat "$top/audit-on/stderr")"
	fi
else
	not_ok "audit on: the unregistration record" "the second start failed"
fi
auditctl -D -k "$key" >/dev/null
ks_restore
[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] || { echo "# kernel state changed: $(ks_settings)"; failed=$((failed + 1)); }
[ "$failed" = 0 ]
