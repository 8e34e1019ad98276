#!/usr/bin/env bash
# Live: auditd's plugins keep working under needle (daemon/plugins.c,
# pipeline/dispatch.c), each checked against needle's own logs and the
# load's own count of its calls. A plugin_dir of the test's own (the
# machine's /etc/audit/plugins.d is left alone) with:
#   rec      a script that records its input (string format): it gets the
#            RAW log's lines, in order, and an EOE after each multi-record
#            event, as auditd sends them;
#   recb     the same in binary format: libaudit's header and the kernel's
#            text per record;
#   syslog   Debian's /sbin/audisp-syslog (package auditd), in a mount
#            namespace whose /dev/log is the test's own socket (this
#            machine has no syslog daemon, and a test must not take the
#            machine's /dev/log): it logs every line it gets;
#   af_unix  the builtin socket, read by a client piped into `needle decode
#            -f json`: the same events as needle's JSON log;
#   exits    a program that exits at once: started again max_restarts (2)
#            times, then given up, said with its last status (and no word
#            of a sandbox: needle runs unconfined here);
#   closes   a program that closes its input and stays: stopped (SIGTERM)
#            and started again;
#   hup      a program that notes the SIGHUPs it gets: needle passes its
#            own on; and each program runs as auditd runs it (empty
#            environment, standard input a socket, no other descriptor but
#            needle's standard output and error) in a process group of its own;
#   bad      a file with an error: named at its FILE:LINE, skipped, needle
#            goes on.
# Then a plugin that never reads, with a 64K queue, under 20,000 events of
# two load threads: needle's logs get every event while it is stuck, its
# drops are counted (what it got plus what it missed is every record
# received, and needle's own DAEMON_START and DAEMON_END), and the stop is
# not held up by it.
# usage: test-plugins.sh NEEDLE HELPER LOADGEN   (TAP; root; one at a time)
set -u
NEEDLE=$1 helper=$(readlink -f "$2") loadgen=$(readlink -f "$3")
runs=200 per_thread=10000
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
live_require tap
live_setup "needle-plug-$$"
top=$LIVE_TOP
key=$LIVE_KEY
check() { python3 "$here/check_plugins.py" "$@" | paste -sd " " -; return "${PIPESTATUS[0]}"; }
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done
	failed=1
}
metric() { python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1])).get(sys.argv[2], -1)))' "$@"; }
wait_for() { # seconds, then a command that succeeds when it is there
	local t=$1
	shift
	for _ in $(seq $((t * 10))); do "$@" && return 0; sleep 0.1; done
	return 1
}
echo "1..9"

# A plugin program of the test's own: root's, mode 0750, as auditd wants.
program() {
	printf '#!/bin/sh\n%s\n' "$2" > "$top/$1"
	chmod 0750 "$top/$1"
}
# A plugin file: its lines.
plugin() {
	local dir=$1 name=$2
	shift 2
	printf '%s\n' "$@" > "$dir/$name.conf"
	chmod 0640 "$dir/$name.conf"
}

mkdir -m 0755 "$top/plugins.d"
# SIGHUP, which needle passes on as auditd does, would end cat: ignored.
program rec.sh "trap '' HUP; exec /bin/cat >> $top/rec.txt"
program recb.sh "trap '' HUP; exec /bin/cat >> $top/recb.bin"
program exits.sh "exit 3"
program closes.sh "exec 0<&-; exec /bin/sleep 600"
printf '%s\n' '#!/usr/bin/python3' 'import signal, sys' \
	"signal.signal(signal.SIGHUP, lambda *a: open('$top/hup.txt', 'a').write('hup\\n'))" \
	'for line in sys.stdin.buffer: pass' > "$top/hup.py"
chmod 0750 "$top/hup.py"
# audisp-syslog's syslog(3) writes to /dev/log: here a link to the test's
# socket, in a mount namespace of the plugin's own.
program syslog.sh "exec /usr/bin/unshare -m --propagation private /bin/sh -c \
'/bin/mount -t tmpfs tmpfs /dev && /bin/ln -s \"\$0\" /dev/log && exec /sbin/audisp-syslog LOG_INFO' \
$top/log.sock"
plugin "$top/plugins.d" rec "active = yes" "direction = out" "path = $top/rec.sh" "type = always" \
	"format = string"
plugin "$top/plugins.d" recb "active = yes" "direction = out" "path = $top/recb.sh" "type = always" \
	"format = binary"
plugin "$top/plugins.d" syslog "active = yes" "direction = out" "path = $top/syslog.sh" \
	"type = always" "args = LOG_INFO" "format = string"
plugin "$top/plugins.d" af_unix "active = yes" "direction = out" "path = builtin_af_unix" \
	"type = builtin " "args = 0600 $top/af.sock" "format = string"
plugin "$top/plugins.d" exits "active = yes" "path = $top/exits.sh" "type = always"
plugin "$top/plugins.d" closes "active = yes" "path = $top/closes.sh" "type = always"
plugin "$top/plugins.d" hup "active = yes" "path = $top/hup.py" "type = always"
plugin "$top/plugins.d" bad "active = yes" "format = xml"

python3 "$here/check_plugins.py" syslog-sink "$top/log.sock" "$top/syslog.txt" &
LIVE_PIDS+=("$!")
wait_for 5 test -S "$top/log.sock" || { echo "Bail out! the test syslog socket did not appear"; exit 1; }

port=$((20000 + $$ % 20000))
live_start plugins "plugin_dir = $top/plugins.d
max_restarts = 2
backlog_wait_time = 100
metrics_listen = 127.0.0.1:$port
control_socket = $top/control" || { echo "Bail out! needle did not start"; exit 1; }
needle_pid=$started_pid
stderr=$top/plugins/stderr

# af_unix: a reader piped into needle decode, connected before the load.
wait_for 5 test -S "$top/af.sock" || echo "# no af_unix socket $top/af.sock"
(python3 "$here/check_plugins.py" af-unix-read "$top/af.sock" | tee "$top/af.txt" |
	"$NEEDLE" decode -f json > "$top/af.json" 2> "$top/af.err") &
reader=$!
af_up() {
	"$NEEDLE" stat --json --socket "$top/control" > "$top/stat.json" 2>/dev/null &&
		[ "$(metric "$top/stat.json" 'needle_plugin_up{plugin="af_unix"}')" = 1 ]
}
wait_for 5 af_up || echo "# the af_unix reader did not connect"

auditctl -a always,exit -F arch=b64 -S openat -F exe="$helper" -F exit=-ENOENT -k "$key" >/dev/null
for i in $(seq $runs); do "$helper" "/nonexistent/$key/$i" || echo "# helper failed"; done
auditctl -D -k "$key" >/dev/null
# The exiting plugin: started again twice, a second apart, then given up.
wait_for 10 grep -q "plugin exits: started again 2 times, max_restarts is 2: given up" "$stderr"
# A plugin as auditd starts it (hup.py's environment is the one it was
# given: a shell would add PWD), and SIGHUP passed on.
pid=$(sed -n 's/.*plugin rec: started .* (pid \([0-9]*\),.*/\1/p' "$stderr")
hup_pid=$(sed -n 's/.*plugin hup: started .* (pid \([0-9]*\),.*/\1/p' "$stderr")
proc="pid $pid: environ $(wc -c < "/proc/$hup_pid/environ") bytes, pgid $(ps -o pgid= -p "$pid" | tr -d ' '),"
proc="$proc fds $(ls "/proc/$pid/fd" | sort -n | paste -sd, -), stdin $(readlink "/proc/$pid/fd/0"),"
proc="$proc stderr $(readlink "/proc/$pid/fd/2"), af_unix mode $(stat -c %a "$top/af.sock")"
kill -HUP "$needle_pid"
wait_for 5 grep -q hup "$top/hup.txt"
"$NEEDLE" stat --json --socket "$top/control" > "$top/stat.json"
"$NEEDLE" stat --socket "$top/control" > "$top/stat.txt"
/usr/bin/python3 "$here/check_metrics.py" "http://127.0.0.1:$port/metrics" > "$top/metrics.txt" 2> "$top/metrics.err"
metrics_status=$?
live_stop "$needle_pid"
status=$?
wait "$reader"
sleep 0.5 # the test syslog writes what audisp-syslog sent before it exited

if [ "$status" = 0 ] && [ "$metrics_status" = 0 ] &&
	grep -q '^needle_plugin_dropped_records_total{plugin="rec",reason="full"} 0$' "$top/metrics.txt" &&
	grep -qF "plugins: skipped: $top/plugins.d/bad.conf:2: format: 'xml' is not 'string' or 'binary'" "$stderr" &&
	grep -q "plugins: 7 active in $top/plugins.d (8 files, 0 inactive, 1 skipped); RAW records" "$stderr" &&
	grep -q "^plugin rec          up   records " "$top/stat.txt"; then
	ok "needle exit 0 with 7 plugins; the bad file named at its FILE:LINE and skipped; needle stat and the metrics (prometheus_client's parser) show them"
else
	not_ok "needle exit $status, plugins started, bad file skipped" "$(cat "$stderr")" "$(cat "$top/stat.txt")" \
		"metrics: exit $metrics_status $(cat "$top/metrics.err")"
fi

log=$top/plugins/log
if [[ "$proc" =~ ^"pid $pid: environ 0 bytes, pgid $pid, fds 0,1,2, stdin socket:["[0-9]+"], stderr $stderr, af_unix mode 600"$ ]] &&
	grep -qx hup "$top/hup.txt" && grep -q "SIGHUP: configuration reloaded" "$stderr"; then
	ok "plugins run as auditd runs them, in a group of their own; SIGHUP passed on ($proc)"
else
	not_ok "plugins run as auditd runs them; SIGHUP passed on" "$proc" "hup: $(cat "$top/hup.txt" 2>&1)"
fi
if out=$(check lines "$log/needle.log" "$top/rec.txt" "$key" "$runs"); then
	ok "string plugin: the RAW log's lines and the EOEs; $runs events of the helper ($out)"
else
	not_ok "string plugin: the RAW log's lines and the EOEs" "$out"
fi
if out=$(check binary "$log/needle.log" "$top/recb.bin"); then
	ok "binary plugin: header and kernel text per record ($out)"
else
	not_ok "binary plugin" "$out"
fi
if out=$(check syslog "$top/rec.txt" "$top/syslog.txt" "$key" "$runs"); then
	ok "Debian's audisp-syslog logged every line ($out)"
else
	not_ok "Debian's audisp-syslog logged every line" "$out" "$(grep -a syslog "$stderr")"
fi
if out=$(check json "$log/needle.json" "$top/af.json" "$key" "$runs"); then
	ok "af_unix socket through needle decode -f json: the JSON log's events ($out)"
else
	not_ok "af_unix socket through needle decode" "$out" "$(head -c 600 "$top/af.err")"
fi
restarts=$(metric "$top/stat.json" 'needle_plugin_restarts_total{plugin="exits"}')
up=$(metric "$top/stat.json" 'needle_plugin_up{plugin="exits"}')
exits=$(grep -c "plugin exits: $top/exits.sh (pid [0-9]*) exited with status 3" "$stderr")
if [ "$restarts" = 2 ] && [ "$up" = 0 ] && [ "$exits" = 3 ] &&
	grep -q "plugin exits: started again (1 of max_restarts 2)" "$stderr" &&
	grep -q "plugin exits: started again (2 of max_restarts 2)" "$stderr" &&
	grep -q "plugin exits: started again 2 times, max_restarts is 2: given up; .*; each of its 3 runs ended within a second of its start, the last one exited with status 3$" "$stderr" &&
	grep -q "plugin closes: pid [0-9]* closed its input; stopping it (SIGTERM) to start it again" "$stderr" &&
	grep -q "plugin closes: $top/closes.sh (pid [0-9]*) was killed by signal 15 (Terminated)" "$stderr" &&
	grep -q "plugin closes: started again (1 of max_restarts 2)" "$stderr"; then
	ok "a plugin that exits: started again 2 times (max_restarts 2), then given up, its last status said; one that closes its input: stopped and started again"
else
	not_ok "a plugin that exits: restarts $restarts, up $up, exits $exits" "$(grep -E 'plugin (exits|closes)' "$stderr")"
fi

# A plugin that never reads, a 64K queue, 20,000 events.
mkdir -m 0755 "$top/stuck.d"
program stuck.sh "exec /bin/sleep 600"
plugin "$top/stuck.d" stuck "active = yes" "path = $top/stuck.sh" "type = always"
live_start stuck "plugin_dir = $top/stuck.d
plugin_queue_size = 64K
backlog_wait_time = 100
max_log_file = 0
metrics_listen =
control_socket = $top/control2" || { echo "Bail out! needle did not start"; exit 1; }
needle_pid=$started_pid
stderr=$top/stuck/stderr
lost_before=$(auditctl -s | awk '$1=="lost"{print $2}')
auditctl -a always,exit -F arch=b64 -S openat -F exe="$loadgen" -F exit=-ENOENT -k "$key" >/dev/null
"$loadgen" 2 "$per_thread" "/nonexistent/$key" > /dev/null || echo "# loadgen failed"
auditctl -D -k "$key" >/dev/null
lost_after=$(auditctl -s | awk '$1=="lost"{print $2}')
# Written while the plugin is stuck, not at stop (a sanitizer build takes
# a while to catch up).
all_written() {
	"$NEEDLE" stat --json --socket "$top/control2" > "$top/stat2.json" &&
		written=$(metric "$top/stat2.json" 'needle_sink_events_total{output="raw"}') &&
		[ "$written" -ge "$expected" ]
}
expected=$((2 * per_thread))
written=0
wait_for 30 all_written
full=$(metric "$top/stat2.json" 'needle_plugin_dropped_records_total{plugin="stuck",reason="full"}')
t0=$(date +%s%N)
live_stop "$needle_pid"
status=$?
stop_ms=$((($(date +%s%N) - t0) / 1000000))
syscalls=$(grep -c "^type=SYSCALL .*key=\"$key\"" "$top/stuck/log/needle.log")
received=$(sed -n 's/.*stopped: \([0-9]*\) records received,.*/\1/p' "$stderr")
# needle's own records (DAEMON_START, DAEMON_END) go to the plugins too.
own=$(grep -c '^type=DAEMON_' "$top/stuck/log/needle.log")
account=$(sed -n 's/.*stopped: plugin stuck got \([0-9]*\) records; did not get: \([0-9]*\) (queue full), \([0-9]*\) (not running), \([0-9]*\) (at stop), \([0-9]*\) (out of memory).*/\1 \2 \3 \4 \5/p' "$stderr")
sum=$(echo "$account" | awk '{print $1 + $2 + $3 + $4 + $5}')
echo "# stuck plugin: load $expected events, in the log $syscalls, written before stop $written, kernel lost $lost_before -> $lost_after"
echo "# plugin got/full/down/stop/error: $account = $sum of $received records received + $own of needle's own; full before stop $full; stop took $stop_ms ms"
if [ "$status" = 0 ] && [ "$syscalls" = "$expected" ] && [ "$written" -ge "$expected" ] &&
	[ "$lost_before" = "$lost_after" ] && [ "$full" -gt 0 ] && [ -n "$received" ] &&
	[ "$sum" = "$((received + own))" ] && [ "$own" -ge 2 ] && [ "$stop_ms" -lt 10000 ] &&
	grep -q " 0 socket overruns, 0 serial gaps, 0 events (0 records) dropped by full rings, 0 events in failed writes$" "$stderr" &&
	grep -q "warning: plugin stuck did not get [0-9]* records: its queue was full" "$stderr" &&
	python3 "$here/check_json.py" "$top/stuck/log/needle.json" "$key" "$expected" openat \
		"/nonexistent/$key" "$loadgen" > "$top/json.out"; then
	ok "a plugin that never reads: every event in the logs while it is stuck, its drops counted and warned, got + dropped = records received + needle's own, stop in $stop_ms ms"
else
	not_ok "a plugin that never reads" "exit $status" "$(cat "$top/json.out" 2>/dev/null)" "$(grep -v '^needle: plugins' "$stderr")"
fi

if [ "$(ks_settings)" = "$SETTINGS_BEFORE" ] && [ -z "$(auditctl -l | grep -v '^No rules')" ]; then
	ok "kernel state restored, no rule left"
else
	not_ok "kernel state restored" "$(ks_settings)" "$(auditctl -l)"
fi
exit $failed
