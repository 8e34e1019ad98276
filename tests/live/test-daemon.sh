#!/usr/bin/env bash
# Live: how needle behaves towards the kernel and other daemons.
# usage: test-daemon.sh NEEDLE HELPER   (TAP output; root; one at a time)
set -u
NEEDLE=$1 helper=$(readlink -f "$2")
here=$(dirname "$0")
needle=$NEEDLE
. "$(dirname "$0")/lib.sh"
live_require tap
live_setup "needle-live-$$"
key=$LIVE_KEY top=$LIVE_TOP settings_before=$SETTINGS_BEFORE

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }

start_needle() { live_start "$@"; }
stop_needle() { live_stop "$1"; }

add_rule() { auditctl -a always,exit -F arch=b64 -S openat -F exe="$helper" -F exit=-ENOENT -k "$key" >/dev/null; }
del_rule() { auditctl -D -k "$key" >/dev/null; }

serials() { live_serials "$1"; }

echo "TAP version 13"
echo "1..9"

# 1. A second unicast needle refuses, names the holder, exits 1.
if start_needle holder "backlog_wait_time = 100"; then
	a=$started_pid
	mkdir -p "$top/second"
	printf 'log_dir = %s\nplugin_dir =\n' "$top/second/log" > "$top/second/needle.conf"
	"$needle" run --foreground -c "$top/second/needle.conf" 2> "$top/second/stderr"
	status=$?
	# The holder is a needle: the advice is about needle, not auditd.
	if [ $status = 1 ] && grep -q "process $a (needle) is registered as the audit daemon: needle is already running" "$top/second/stderr" &&
		! grep -q "service auditd" "$top/second/stderr" &&
		[ "$(auditctl -s | awk '$1=="pid"{print $2}')" = "$a" ]; then
		ok "a second daemon refuses, naming the holder's pid"
	else
		not_ok "a second daemon refuses, naming the holder's pid" "exit $status" "$(cat "$top/second/stderr")"
	fi
	# 2. Multicast beside the unicast holder sees the same events.
	if start_needle reader "mode = multicast
enabled = keep
backlog_limit = keep
ring_size = 1M"; then
		b=$started_pid
		add_rule
		for i in $(seq 50); do "$helper" "/nonexistent/$key/$i"; done
		del_rule
		sleep 0.3
		stop_needle "$b"
		stop_needle "$a"
		u=$(serials "$top/holder/log/needle.log"); m=$(serials "$top/reader/log/needle.log")
		if [ "$(echo "$u" | wc -l)" = 50 ] && [ "$u" = "$m" ]; then
			ok "multicast beside unicast sees the same 50 serials"
		else
			not_ok "multicast beside unicast sees the same 50 serials" \
				"unicast $(echo "$u" | wc -l), multicast $(echo "$m" | wc -l)"
		fi
	else
		stop_needle "$a"
		not_ok "multicast beside unicast sees the same 50 serials" "$(cat "$top/reader/stderr")"
	fi
else
	not_ok "a second daemon refuses, naming the holder's pid" "$(cat "$top/holder/stderr")"
	not_ok "multicast beside unicast sees the same 50 serials" "holder did not start"
fi

# 3. SIGKILL: the kernel unregisters the dead socket at its next send, and
#    the next needle restores the settings the killed one had changed.
if start_needle killed "backlog_wait_time = 100
default_rules = yes"; then
	kill -KILL "$started_pid"; wait "$started_pid" 2>/dev/null
	add_rule; "$helper" "/nonexistent/$key/k"; del_rule # records to send
	pid_after=""
	for _ in $(seq 20); do
		pid_after=$(auditctl -s | awk '$1=="pid"{print $2}')
		[ "$pid_after" = 0 ] && break
		"$helper" /nonexistent/poke; sleep 0.1
	done
	wait_left=$(auditctl -s | awk '$1=="backlog_wait_time"{print $2}')
	rules_left=$(auditctl -l | grep -c needle-default)
	if start_needle after-kill "backlog_wait_time = keep
backlog_limit = keep
enabled = keep"; then
		restored_live=$(ks_settings)
		stop_needle "$started_pid"
	fi
	if [ "$pid_after" = 0 ] && [ "$wait_left" = 100 ] && [ "$rules_left" -ge 1 ] &&
		grep -q "stopped without restoring the kernel" "$top/after-kill/stderr" &&
		[ "$(ks_settings)" = "$settings_before" ] && [ -z "$(auditctl -l | grep needle-default)" ]; then
		ok "after SIGKILL the kernel unregisters needle; the next needle restores settings and rules"
	else
		not_ok "after SIGKILL the kernel unregisters needle; the next needle restores" \
			"pid after kill $pid_after, backlog_wait_time left $wait_left, rules left $rules_left" \
			"$(cat "$top/after-kill/stderr" 2>/dev/null)"
	fi
	ks_restore
else
	not_ok "after SIGKILL the kernel unregisters needle" "$(cat "$top/killed/stderr")"
fi

# 4. A bad config stops needle with file:line, exit 2, kernel untouched.
printf 'log_dir = %s\nbacklog_limit = 100\nring_size = 3M\nplugin_dir =\n' "$top/bad" > "$top/bad.conf"
before=$(ks_settings)
"$needle" run --foreground -c "$top/bad.conf" 2> "$top/bad.err"
status=$?
if [ $status = 2 ] && grep -q "^needle: $top/bad.conf:3: ring_size: '3M' is not a power of two" "$top/bad.err" &&
	[ "$before" = "$(ks_settings)" ]; then
	ok "a bad config exits 2 with file:line and changes nothing"
else
	not_ok "a bad config exits 2 with file:line and changes nothing" "exit $status" "$(cat "$top/bad.err")"
fi

# 5. Default rules: loaded when the kernel has none, removed at stop.
if [ -n "$(auditctl -l | grep -v '^No rules')" ]; then
	ok "default rules loaded and removed # SKIP the kernel already has rules"
elif start_needle defaults "default_rules = yes
backlog_wait_time = 100"; then
	loaded=$(auditctl -l | grep -c 'needle-default')
	cat /etc/shadow >/dev/null
	stop_needle "$started_pid"
	left=$(auditctl -l | grep -c 'needle-default')
	seen=$(grep -c '^type=PATH .*name="/etc/shadow"' "$top/defaults/log/needle.log")
	if [ "$loaded" -ge 5 ] && [ "$left" = 0 ] && [ "$seen" -ge 1 ]; then
		ok "default rules loaded ($loaded), caught a read of /etc/shadow, removed at stop"
	else
		not_ok "default rules loaded and removed" "loaded $loaded, left $left, shadow reads $seen"
	fi
else
	not_ok "default rules loaded and removed" "$(cat "$top/defaults/stderr")"
fi

# 6. SIGHUP applies a new backlog_limit live; restart-only keys are named.
if start_needle hup "backlog_limit = 7000
backlog_wait_time = 100"; then
	p=$started_pid
	printf '%s\n' "log_dir = $top/hup/log" "plugin_dir =" "backlog_limit = 9000" "backlog_wait_time = 100" \
		"ring_size = 1M" > "$top/hup/needle.conf"
	kill -HUP "$p"
	for _ in $(seq 30); do grep -q reloaded "$top/hup/stderr" && break; sleep 0.1; done
	live=$(auditctl -s | awk '$1=="backlog_limit"{print $2}')
	stop_needle "$p"
	if [ "$live" = 9000 ] && grep -q "SIGHUP: ring_size: 16M -> 1M takes effect at the next start" "$top/hup/stderr" &&
		[ "$(ks_settings)" = "$settings_before" ]; then
		ok "SIGHUP applies backlog_limit live, names ring_size, restores at stop"
	else
		not_ok "SIGHUP applies backlog_limit live" "backlog_limit $live" "$(cat "$top/hup/stderr")"
	fi
else
	not_ok "SIGHUP applies backlog_limit live" "$(cat "$top/hup/stderr")"
fi

# 7. Without root nor CAP_AUDIT_CONTROL: a clear message, exit 1, nothing
#    touched (test-caps.sh: with the capabilities and without one).
before=$(ks_settings)
printf 'log_dir = %s\nplugin_dir =\n' "$top/nobody" > "$top/nobody.conf"
chmod 755 "$top"; chmod 644 "$top/nobody.conf"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$needle" run --foreground -c "$top/nobody.conf" 2> "$top/nobody.err"
status=$?
if [ $status = 1 ] && grep -q "needs the capability CAP_AUDIT_CONTROL" "$top/nobody.err" && [ "$before" = "$(ks_settings)" ]; then
	ok "without root: exit 1 with a clear message, kernel untouched"
else
	not_ok "without root: exit 1 with a clear message" "exit $status" "$(cat "$top/nobody.err")"
fi

# 8. The metrics endpoint parses with Prometheus' own parser and counts
#    the events a narrow rule caused.
port=$((20000 + $$ % 20000))
if start_needle metrics "metrics_listen = 127.0.0.1:$port
control_socket = $top/control.sock
backlog_wait_time = 100
backlog_limit = 7777"; then
	p=$started_pid
	add_rule
	for i in $(seq 30); do "$helper" "/nonexistent/$key/m$i"; done
	del_rule
	sleep 1.5 # decoders write within a few ms; the kernel poll is each second
	/usr/bin/python3 "$here/check_metrics.py" "http://127.0.0.1:$port/metrics" \
		> "$top/metrics.txt" 2> "$top/metrics.err"
	status=$?
	"$NEEDLE" stat --json --socket "$top/control.sock" > "$top/stat.json" 2>> "$top/metrics.err"
	stat_whole=$(/usr/bin/python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1]))["needle_decoder_events_total{state=\"whole\"}"]))' "$top/stat.json" 2>>"$top/metrics.err")
	"$NEEDLE" stat --socket "$top/control.sock" > "$top/stat.txt" 2>> "$top/metrics.err"
	"$NEEDLE" monitor --once --json > "$top/monitor.json" 2>> "$top/metrics.err"
	monitor=$(/usr/bin/python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["pid"], m["daemon"], m["backlog_limit"])' "$top/monitor.json" 2>>"$top/metrics.err")
	stop_needle "$p"
	whole=$(awk -F' ' '$1=="needle_decoder_events_total{state=\"whole\"}"{print $2}' "$top/metrics.txt")
	limit=$(awk -F' ' '$1=="needle_kernel_backlog_limit{}"{print $2}' "$top/metrics.txt")
	json=$(awk -F' ' '$1=="needle_sink_events_total{output=\"json\"}"{print $2}' "$top/metrics.txt")
	if [ $status = 0 ] && [ "${whole:-0}" -ge 30 ] && [ "$limit" = 7777 ] && [ "${json:-0}" -ge 30 ] &&
		[ "$stat_whole" = "$whole" ] && grep -q "^kernel    backlog [0-9]*/7777" "$top/stat.txt" &&
		grep -q "^needle_kernel_lost_records_last_interval{} 0$" "$top/metrics.txt" &&
		grep -q "^needle_event_delay_seconds_count{} $whole$" "$top/metrics.txt" &&
		grep -q "^delay     p50 <= " "$top/stat.txt" && [ "$monitor" = "$p needle 7777" ]; then
		ok "metrics parse (prometheus_client), count >= 30 events, show backlog_limit 7777; needle stat and needle monitor agree"
	else
		not_ok "metrics endpoint" "parse status $status, whole events ${whole:-none} (stat ${stat_whole:-none}), json ${json:-none}, backlog_limit ${limit:-none}, monitor '${monitor:-}'" \
			"$(cat "$top/metrics.err")"
	fi
else
	not_ok "metrics endpoint" "$(cat "$top/metrics/stderr")"
fi

# 9. Disk full: the JSON log is /dev/full. Every event is counted lost,
#    needle warns with the fix, and keeps running.
mkdir -p "$top/full/log"
ln -s /dev/full "$top/full/log/needle.json"
if start_needle full "output = json
metrics_listen =
control_socket =
backlog_wait_time = 100"; then
	p=$started_pid
	add_rule
	for i in $(seq 20); do "$helper" "/nonexistent/$key/f$i"; done
	del_rule
	sleep 2.5
	alive=no; kill -0 "$p" 2>/dev/null && alive=yes
	stop_needle "$p"
	lost=$(sed -n 's/.* \([0-9]*\) events in failed writes$/\1/p' "$top/full/stderr")
	if [ "$alive" = yes ] && [ "${lost:-0}" -ge 20 ] &&
		grep -q "warning: .* events lost in failed writes since the last report; free space in log_dir" "$top/full/stderr"; then
		ok "disk full: $lost events counted lost, a warning names the fix, needle keeps running"
	else
		not_ok "disk full accounting" "alive $alive, lost ${lost:-none}" "$(cat "$top/full/stderr")"
	fi
else
	not_ok "disk full accounting" "$(cat "$top/full/stderr")"
fi

[ "$failed" = 0 ]
