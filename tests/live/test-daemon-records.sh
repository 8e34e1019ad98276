#!/usr/bin/env bash
# Live: needle's DAEMON_START, DAEMON_END and DAEMON_ABORT records, as a
# real auditd writes its own.
#  1. Debian's auditd (auditd -n, its log in a temporary directory, as
#     test-parity.sh runs it) started and stopped: the shape of its
#     DAEMON_START and DAEMON_END lines, field by field;
#  2. needle started and stopped by a process of the test: ausearch finds
#     DAEMON_START with needle's pid and version, and DAEMON_END with the
#     pid of the process that sent SIGTERM (auditd's way), the first and
#     the last line of each log (RAW, ENRICHED, JSON), with auditd's fields
#     in auditd's order;
#  3. a run that fails (NEEDLE_TEST_FAULT=listener-alloc, pipeline/fault.h)
#     ends its log with DAEMON_ABORT, the cause as its reason;
#  4. a second run in the same log_dir appends its own pair, and counts no
#     event lost before it (the records' serials are needle's, not the
#     kernel's).
# usage: test-daemon-records.sh NEEDLE   (TAP; root; one at a time)
set -u
NEEDLE=$1
. "$(dirname "$0")/lib.sh"
live_require tap
command -v ausearch >/dev/null || live_skip tap "ausearch missing (Debian package auditd)"
live_setup "needle-records-$$"

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
# The field names of a record's body, in order ("op ver format ...").
fields() { sed 's/^[^)]*): //; s/\x1d.*//' | tr ' ' '\n' | sed -n 's/=.*//p' | tr '\n' ' '; }
# One field's value in a line.
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1; }
# Stops PID with SIGTERM sent by a process of its own, and waits for it;
# $killer is that process's pid. Sent again (by another process) when PID
# is still there 2 s later: auditd loses a SIGTERM that comes before its
# handlers are in place.
stop_from_own_process() {
	for _ in 1 2 3; do
		bash -c 'echo $$ > "$2"; kill -TERM "$1"' _ "$1" "$LIVE_TOP/killer"
		for _ in $(seq 20); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$1" 2>/dev/null || break
	done
	wait "$1" 2>/dev/null
	killer=$(cat "$LIVE_TOP/killer")
}

echo "TAP version 13"
echo "1..4"
version=$("$NEEDLE" --version | awk '{print $2}')

# 1. auditd's own records.
AUDITD=${AUDITD:-/usr/sbin/auditd}
adir=$LIVE_TOP/auditd
auditd_start= auditd_end=
if [ -x "$AUDITD" ]; then
	mkdir -p "$adir/plugins"
	cat > "$adir/auditd.conf" <<EOF
local_events = yes
write_logs = yes
log_file = $adir/audit.log
log_group = root
log_format = RAW
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 0
num_logs = 5
priority_boost = 4
name_format = NONE
max_log_file_action = IGNORE
space_left = 2
space_left_action = IGNORE
verify_email = yes
action_mail_acct = root
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = SYSLOG
use_libwrap = yes
tcp_listen_queue = 5
tcp_max_per_addr = 1
tcp_client_max_idle = 0
transport = TCP
krb5_principal = auditd
distribute_network = no
q_depth = 2000
overflow_action = SYSLOG
max_restarts = 10
plugin_dir = $adir/plugins
end_of_event_timeout = 2
EOF
	chmod 0640 "$adir/auditd.conf"
	"$AUDITD" -n -s nochange -c "$adir" > "$adir/stderr" 2>&1 &
	apid=$!
	LIVE_PIDS+=("$apid")
	for _ in $(seq 100); do
		[ "$(ks_field "$(auditctl -s)" pid)" = "$apid" ] && break
		sleep 0.05
	done
	sleep 0.5 # its signal handlers come after it registers
	stop_from_own_process "$apid"
	akiller=$killer
	auditd_start=$(grep "^type=DAEMON_START " "$adir/audit.log" | fields)
	auditd_end=$(grep "^type=DAEMON_END " "$adir/audit.log" | fields)
	end_line=$(grep "^type=DAEMON_END " "$adir/audit.log")
	if [ -n "$auditd_start" ] && [ "$(field pid "$end_line")" = "$akiller" ]; then
		ok "auditd: DAEMON_START ($auditd_start), DAEMON_END ($auditd_end) with the stopping process's pid"
	else
		not_ok "auditd's own records" "$(cat "$adir/audit.log" "$adir/stderr" 2>/dev/null)"
	fi
else
	ok "auditd's own records # SKIP $AUDITD missing (Debian package auditd)"
fi

# 2. needle started and stopped.
dir=$LIVE_TOP/run
if live_start run "output = json,raw,enriched
backlog_wait_time = 100
metrics_listen =
control_socket ="; then
	pid=$started_pid
	stop_from_own_process "$pid"
	raw=$dir/log/needle.log enr=$dir/log/needle.enriched.log json=$dir/log/needle.json
	start=$(ausearch -if "$raw" -m DAEMON_START -p "$pid" --format raw 2>/dev/null | grep '^type=')
	end=$(ausearch -if "$raw" -m DAEMON_END -p "$killer" --format raw 2>/dev/null | grep '^type=')
	enr_end=$(ausearch -if "$enr" -m DAEMON_END -i 2>/dev/null | grep '^type=')
	why=
	[ "$(field op "$start") $(field ver "$start") $(field format "$start") $(field res "$start")" = "start $version raw success" ] ||
		why="$why DAEMON_START fields;"
	[ "$(field op "$end") $(field res "$end")" = "terminate success" ] || why="$why DAEMON_END fields;"
	[ "$(head -1 "$raw")" = "$start" ] && [ "$(tail -1 "$raw")" = "$end" ] || why="$why RAW first/last line;"
	head -1 "$enr" | grep -q "^type=DAEMON_START .* format=enriched .*res=success"$'\x1d''AUID=' &&
		tail -1 "$enr" | grep -q "^type=DAEMON_END " && [ -n "$enr_end" ] || why="$why ENRICHED;"
	head -1 "$json" | grep -q '"records":{"DAEMON_START":{"op":"start","ver":"'"$version"'","format":"json"' &&
		tail -1 "$json" | grep -q '"what":{"type":"DAEMON_END","result":"success"}' || why="$why JSON;"
	if [ -n "$auditd_start" ]; then
		[ "$(printf '%s\n' "$start" | fields)" = "$auditd_start" ] &&
			[ "$(printf '%s\n' "$end" | fields)" = "$auditd_end" ] || why="$why fields differ from auditd's;"
	fi
	if [ -z "$why" ] && [ -n "$start" ] && [ -n "$end" ]; then
		ok "ausearch finds DAEMON_START (pid $pid, ver $version) and DAEMON_END (pid $killer, who sent SIGTERM), first and last in each log, auditd's fields"
	else
		not_ok "needle's DAEMON_START and DAEMON_END:$why" "start: $start" "end: $end" \
			"auditd: $auditd_start / $auditd_end" \
			"needle: $(printf '%s\n' "$start" | fields) / $(printf '%s\n' "$end" | fields)" \
			"$(head -2 "$raw")" "$(tail -2 "$raw")"
	fi
else
	not_ok "needle starts" "$(cat "$dir/stderr")"
fi

# 3. A run that fails: DAEMON_ABORT, the cause as its reason.
dir=$LIVE_TOP/fault
mkdir -p "$dir"
printf '%s\n' "log_dir = $dir/log" "output = json,raw" "backlog_wait_time = 100" "metrics_listen =" \
	"control_socket =" > "$dir/needle.conf"
NEEDLE_TEST_FAULT=listener-alloc "$NEEDLE" run --foreground -c "$dir/needle.conf" \
	2> "$dir/stderr" &
fpid=$!
LIVE_PIDS+=("$fpid")
wait "$fpid"; status=$?
abort=$(ausearch -if "$dir/log/needle.log" -m DAEMON_ABORT -p "$fpid" --format raw 2>/dev/null | grep '^type=')
if [ "$status" = 1 ] && [ "$(tail -1 "$dir/log/needle.log")" = "$abort" ] &&
	[ "$(field op "$abort") $(field reason "$abort") $(field res "$abort")" = "abort listener-0-cannot-allocate-the-receive-buffers-Cannot-allocate-memory failed" ] &&
	! grep -q DAEMON_END "$dir/log/needle.log" &&
	tail -1 "$dir/log/needle.json" | grep -q '"DAEMON_ABORT":{"op":"abort","reason":"listener-0-cannot-allocate'; then
	ok "failed run: DAEMON_ABORT (pid $fpid) ends the log with the cause, no DAEMON_END"
else
	not_ok "failed run: DAEMON_ABORT" "exit $status" "abort: $abort" "$(cat "$dir/log/needle.log")" "$(cat "$dir/stderr")"
fi

# 4. Another run in the first run's log_dir.
dir=$LIVE_TOP/run
before=$(grep -c "^type=DAEMON_" "$dir/log/needle.log")
if live_start run "output = json,raw,enriched
backlog_wait_time = 100
metrics_listen =
control_socket ="; then
	pid=$started_pid
	stop_from_own_process "$pid"
	restart=$(grep -o "stopped: besides, [0-9]* events before this start" "$dir/stderr" | awk '{print $3}')
	after=$(grep -c "^type=DAEMON_" "$dir/log/needle.log")
	starts=$(ausearch -if "$dir/log/needle.log" -m DAEMON_START --format raw 2>/dev/null | grep -c '^type=')
	if [ "$before" = 2 ] && [ "$after" = 4 ] && [ "$starts" = 2 ] && [ "$restart" = 0 ] &&
		grep -q "resuming from" "$dir/stderr"; then
		ok "second run in the same log_dir: its own DAEMON_START and DAEMON_END after the first's, no event counted lost before it"
	else
		not_ok "second run" "DAEMON lines before $before after $after, starts $starts, restart '$restart'" "$(cat "$dir/stderr")"
	fi
else
	not_ok "needle starts again" "$(cat "$dir/stderr")"
fi
[ "$failed" = 0 ]
