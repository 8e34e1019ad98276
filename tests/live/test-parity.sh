#!/usr/bin/env bash
# Live parity with auditd: Debian's auditd owns the audit socket (its shipped
# settings, log_format FORMAT, its log in a temporary directory) and needle
# reads beside it in multicast mode, writing FORMAT too. Under a mixed load
# (helper-parity: failing and succeeding openat, connect to inet, inet6 and
# unix sockets, execve with spaces, quotes, non-ASCII and an argument over
# 8 KiB, other uids and a login uid, a user-space message with a newline
# and a 0x1d byte) every record both logs have must be byte-identical (but
# where check_parity.py names auditd wrong, with the reason), and every record
# of the load must be among them (check_parity.py states the rules for what
# only one log may have). auditd is stopped by its pid and the kernel left as
# found, also when the test fails.
# usage: test-parity.sh NEEDLE HELPER raw|enriched   (TAP)
set -u
NEEDLE=$1 helper=$(readlink -f "$2") format=$3
here=$(dirname "$0")
. "$here/lib.sh"
live_require
AUDITD=${AUDITD:-/usr/sbin/auditd}
[ -x "$AUDITD" ] || { echo "1..0 # SKIP $AUDITD missing (Debian package auditd)"; exit 77; }
[ "$(uname -m)" = x86_64 ] || { echo "1..0 # SKIP the load's rules are written for x86_64"; exit 77; }
live_setup "needle-parity-$$"
case $format in
raw) FORMAT=RAW needle_out=needle.log ;;
enriched) FORMAT=ENRICHED needle_out=needle.enriched.log ;;
*) echo "format: raw or enriched"; exit 2 ;;
esac

echo "TAP version 13"
echo "1..3"
fail() { echo "not ok $1 - $2"; shift 2; for l in "$@"; do echo "# $l"; done; exit 1; }
note_file() { sed 's/^/#   /' "$1" | head -20; }

# auditd: Debian's auditd.conf with its log here (lib.sh, auditd_conf).
adir=$LIVE_TOP/auditd
auditd_conf "$adir" "$FORMAT"

# The kernel must audit while the load runs: enabled, and the backlog of
# Debian's shipped audit.rules (-b 8192) with the short wait DESIGN.md asks
# of tests. The exit trap puts back what it found (lib.sh); auditd leaves
# the settings alone (-s nochange).
auditctl -e 1 -b 8192 --backlog_wait_time 100 >/dev/null
"$AUDITD" -n -s nochange -c "$adir" > "$adir/stderr" 2>&1 &
auditd_pid=$!
LIVE_PIDS+=("$auditd_pid")
for _ in $(seq 100); do
	[ "$(ks_field "$(auditctl -s)" pid)" = "$auditd_pid" ] && break
	kill -0 "$auditd_pid" 2>/dev/null || break
	sleep 0.05
done
[ "$(ks_field "$(auditctl -s)" pid)" = "$auditd_pid" ] ||
	fail 1 "auditd ($auditd_pid) took the audit socket" "$(cat "$adir/stderr")"

# needle beside it: a multicast reader changes no kernel setting.
live_start needle "mode = multicast
enabled = keep
backlog_limit = keep
backlog_wait_time = keep
rate_limit = keep
failure = keep
default_rules = no
output = $format
metrics_listen =
control_socket =" || fail 1 "needle started in multicast mode" "$(cat "$LIVE_TOP/needle/stderr")"
needle_pid=$started_pid
echo "ok 1 - auditd $auditd_pid owns the socket ($FORMAT), needle $needle_pid reads beside it"

# The load, under rules narrowed to the helper and to calls only it makes.
load=$LIVE_TOP/load
mkdir -p "$load"
: > "$load/exists"
: > "$load/with space é"
auditctl -a always,exit -F arch=b64 -S openat -F exe="$helper" -F a2=0x900 -k "$LIVE_KEY" >/dev/null &&
	auditctl -a always,exit -F arch=b64 -S connect -S execve -F exe="$helper" -k "$LIVE_KEY" >/dev/null ||
	fail 2 "rules added"
"$helper" load "$load" "$LIVE_KEY" > "$LIVE_TOP/expected" || fail 2 "the load ran" "$(cat "$LIVE_TOP/expected")"
echo "execve yes 1" >> "$LIVE_TOP/expected" # this script's start of the helper
auditctl -D -k "$LIVE_KEY" >/dev/null
sleep 0.5
live_stop "$needle_pid"; nstatus=$?
kill -TERM "$auditd_pid"; wait "$auditd_pid"; astatus=$?
echo "# the load: $(tr '\n' ',' < "$LIVE_TOP/expected")"
[ "$nstatus" = 0 ] && [ "$astatus" = 0 ] ||
	fail 2 "needle and auditd stopped cleanly (exit $nstatus, $astatus)" "$(cat "$LIVE_TOP/needle/stderr")" "$(cat "$adir/stderr")"
report=$(python3 "$here/check_parity.py" "$adir/audit.log" "$LIVE_TOP/needle/log/$needle_out" \
	"$LIVE_KEY" "$LIVE_TOP/expected"); checked=$?
printf '%s\n' "$report" | sed 's/^/# /'
[ "$checked" = 0 ] || fail 2 "every $FORMAT record of the load byte-identical to auditd's"
echo "ok 2 - every $FORMAT record both wrote is byte-identical, the whole load among them"

# The kernel as found: settings, no daemon registered, no rule of ours.
ks_restore
[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] ||
	fail 3 "kernel state restored" "$(diff <(echo "$SETTINGS_BEFORE") <(ks_settings))"
auditctl -l | grep -q -- "$LIVE_KEY" && fail 3 "the test's rules removed"
echo "ok 3 - kernel settings as found, auditd unregistered, rules removed"
