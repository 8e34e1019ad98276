#!/usr/bin/env bash
# Live: needle.service (daemon/needle.service, filled in by install/meson.build) as
# systemd runs it. PID 1 here is not systemd, so unit_exec.py applies the
# unit's own [Service] options (sandbox, capabilities, seccomp, environment)
# and execs its ExecStart with the build's binary and a test configuration,
# NOTIFY_SOCKET on a datagram socket of the test (dgram_sink.py) and
# WatchdogSec 2 s in place of the unit's 30 s (as a drop-in would).
#   1 systemd-analyze verify passes with no word, the man pages of its
#     Documentation= found among the build's (MANDIR: build/man), and says
#     something for an unknown key (the check can fail)
#   2 READY=1 is the first datagram, sent once needle is the kernel's audit
#     daemon: auditctl -s, run when it arrives, shows needle's pid
#   3 STATUS= is the status line, updated each second
#   4 WATCHDOG=1 keeps coming, never more than WatchdogSec apart, while
#     needle is idle and while it writes the helper's events (all of them,
#     from inside the sandbox, log_dir and logs of log_group adm as Debian's
#     auditd.conf has it; the metrics endpoint answers there too)
#   5 SIGTERM: STOPPING=1 last, exit 0, the kernel as before (settings, pid
#     0, rules)
#   6 a decoder stalled on purpose (NEEDLE_TEST_FAULT=decoder-stall:30):
#     the pings go on while its ring is empty; with records in it they stop (no WATCHDOG=1 for longer than
#     WatchdogSec: systemd would restart needle), STATUS= goes on, the log
#     names the decoder; SIGTERM still stops it cleanly, every event written
#   7 without systemd (a needle started by hand) the same stall is only
#     said in the log, 30 s after records waited
#   8 a watch rule needle loads at start (rules = FILE), from inside the
#     sandbox, catches a write to the host's file made outside it; the same
#     rule added under a private /tmp (PrivateTmp, which the unit leaves
#     out) misses it
#   9 an af_unix plugin (auditd's builtin) makes its socket in /run/needle;
#     elsewhere in /run (read-only under ProtectSystem=strict) it is refused,
#     said, and needle goes on
#  10 the unit has no ExecStartPost: needle loads rules itself (nothing to
#     run after it)
# usage: test-service.sh NEEDLE UNIT HELPER [MANDIR]   (TAP; root; one at a time)
set -u
NEEDLE=$(readlink -f "$1") UNIT=$(readlink -f "$2") helper=$(readlink -f "$3") mandir=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
command -v systemd-analyze >/dev/null || { echo "1..0 # SKIP systemd-analyze missing (Debian package systemd)"; exit 0; }
/usr/bin/python3 -c 'import seccomp' 2>/dev/null ||
	{ echo "not ok 1 - python3-seccomp missing (Debian package python3-seccomp)"; echo "1..1"; exit 1; }
live_require tap
live_setup "needle-svc-$$"
key=$LIVE_KEY top=$LIVE_TOP
rules_before=$(auditctl -l)
WATCHDOG_MS=2000
sink_pid=

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); echo "not ok $n - $1"; shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done
}
stop_sink() { [ -n "$sink_pid" ] && { kill "$sink_pid" 2>/dev/null; wait "$sink_pid" 2>/dev/null; }; sink_pid=; }
trap 'stop_sink; auditctl -D -k "$key" >/dev/null 2>&1; live_cleanup' EXIT
restored() { [ "$(ks_settings)" = "$SETTINGS_BEFORE" ] && [ "$(auditctl -l)" = "$rules_before" ]; }

# 1. systemd-analyze verify on the unit as built, its program the build's,
# its man pages the build's (a man tree of them for MANPATH).
mkdir -p "$top/verify" "$top/man/man5" "$top/man/man8"
program=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$UNIT")
sed "s#^ExecStart=$program #ExecStart=$NEEDLE #" "$UNIT" > "$top/verify/needle.service"
man=--man=no pages="man pages not checked (none built: scdoc missing)"
if [ -n "$mandir" ] && [ -f "$mandir/needle.8" ] && [ -f "$mandir/needle.conf.5" ]; then
	cp "$mandir/needle.8" "$top/man/man8/"
	cp "$mandir/needle.conf.5" "$top/man/man5/"
	man=--man=yes pages="its man pages found"
fi
verify=$(cd "$top/verify" && MANPATH=$top/man systemd-analyze verify $man needle.service 2>&1)
status=$?
printf '%s\n' '[Service]' 'NoSuchKey=1' >> "$top/verify/needle.service"
control=$(cd "$top/verify" && MANPATH=$top/man systemd-analyze verify $man needle.service 2>&1)
if [ $status = 0 ] && [ -z "$verify" ] && [ "$program" = "$(dirname "$program")/needle" ] &&
	printf '%s' "$control" | grep -q "Unknown key 'NoSuchKey'"; then
	ok "systemd-analyze verify: no word on the unit ($program replaced by the build's, $pages); an unknown key is named"
else
	not_ok "systemd-analyze verify" "exit $status, ExecStart program $program" "$verify" "control: $control"
fi

# service NAME [unit_exec options]: the unit's ExecStart in the background,
# NOTIFY_SOCKET on NAME's sink (which runs auditctl -s at READY=1); $pid.
service() {
	local name=$1; shift
	mkdir -p "$top/$name"
	printf '%s\n' "log_dir = $top/$name/log" "metrics_listen = 127.0.0.1:$port" \
		"backlog_wait_time = 100" "decoder_threads = 2" "log_group = adm" "plugin_dir =" \
		> "$top/$name/needle.conf"
	/usr/bin/python3 "$here/dgram_sink.py" "$top/$name/notify.sock" "$top/$name/notify.out" \
		--on READY=1 auditctl -s &
	sink_pid=$!
	for _ in $(seq 50); do [ -s "$top/$name/notify.out" ] && break; sleep 0.1; done
	NOTIFY_SOCKET=$top/$name/notify.sock /usr/bin/python3 "$here/unit_exec.py" "$UNIT" \
		--binary "$NEEDLE" --config "$top/$name/needle.conf" --logs-dir "$top/$name/log" \
		--watchdog-sec "$((WATCHDOG_MS / 1000))s" "$@" 2> "$top/$name/stderr" &
	pid=$!
	LIVE_PIDS+=("$pid")
}

# datagrams NAME: the sink's lines "MS<TAB>TEXT" (TEXT's newlines as \n).
datagrams() { grep -P '^\d+\t' "$top/$1/notify.out"; }
# ping_times NAME [FROM_MS]: the times of the WATCHDOG=1 datagrams.
ping_times() { datagrams "$1" | awk -F'\t' -v from="${2:-0}" '$2=="WATCHDOG=1" && $1>=from{print $1}'; }
# max_gap FROM TO TIMES...: the longest time between FROM, the pings and TO.
max_gap() {
	local from=$1 to=$2 last gap=0 t; shift 2
	last=$from
	for t in "$@" "$to"; do [ $((t - last)) -gt $gap ] && gap=$((t - last)); last=$t; done
	echo $gap
}
# The sink's clock (CLOCK_MONOTONIC), in ms.
mono_ms() { /usr/bin/python3 -c 'import time; print(time.monotonic_ns() // 1000000)'; }

load() { # NAME COUNT: failing openat calls of the helper, under a rule of the test
	auditctl -a always,exit -F arch=b64 -S openat -F exe="$helper" -F exit=-ENOENT -k "$key" >/dev/null
	"$helper" $(for i in $(seq "$2"); do echo "/nonexistent/$key/$1$i"; done)
	auditctl -D -k "$key" >/dev/null
}

port=$((20000 + $$ % 20000))
# 2-5: a healthy service.
service healthy
collecting=no
live_wait_collecting "$top/healthy/stderr" "$pid" && collecting=yes
grep "^unit_exec: " "$top/healthy/stderr" | sed 's/^/# /'
t0=$(mono_ms)
sleep 3 # idle
load healthy 20
sleep 3 # writing, then idle again
scrape=$(/usr/bin/python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' \
	"http://127.0.0.1:$port/metrics" 2>&1 | grep '^needle_kernel_daemon_pid ')
t1=$(mono_ms)
kill -TERM "$pid"; wait "$pid"; status=$?
sleep 0.3
stop_sink
first=$(datagrams healthy | head -1 | cut -f2)
on=$(grep '^on	' "$top/healthy/notify.out" | cut -f2)
if [ $collecting = yes ] && [ "$first" = "READY=1\\nSTATUS=collecting (unicast: the kernel's audit daemon), pid $pid" ] &&
	printf '%s' "$on" | grep -q "\\\\npid $pid\\\\n"; then
	ok "READY=1 first, sent once registered: auditctl -s at that moment shows pid $pid"
else
	not_ok "READY=1 first, once registered" "first datagram: $first" "auditctl -s then: $on" \
		"$(cat "$top/healthy/stderr")"
fi
statuses=$(datagrams healthy | cut -f2 | grep -c '^STATUS=records/s  *[0-9]* | ring  *[0-9.]*% | kernel backlog [0-9]*/65536 lost [0-9]* since start | socket overruns [0-9]*$')
seconds=$(( (t1 - t0) / 1000 ))
if [ "$statuses" -ge "$seconds" ] && [ "$seconds" -ge 5 ]; then
	ok "STATUS= the status line, $statuses updates in about $((seconds + 1)) s"
else
	not_ok "STATUS= updated each second" "$statuses updates in $seconds s" "$(datagrams healthy | head -20)"
fi
pings=$(ping_times healthy "$t0")
gap=$(max_gap "$t0" "$t1" $pings)
events=$(/usr/bin/python3 "$here/check_json.py" "$top/healthy/log/needle.json" "$key" 20 openat \
	"/nonexistent/$key/healthy" 2>&1)
groups=$(stat -c %G "$top/healthy/log" "$top/healthy/log/needle.json" "$top/healthy/log/needle.log" | sort -u)
if [ "$gap" -lt $WATCHDOG_MS ] && [ "$(printf '%s\n' $pings | wc -l)" -ge 5 ] &&
	printf '%s' "$events" | grep -q "20 (expected 20), 0 wrong" && [ "$scrape" = "needle_kernel_daemon_pid $pid" ] &&
	[ "$groups" = adm ]; then
	ok "WATCHDOG=1 idle and under load, at most $gap ms apart (WatchdogSec ${WATCHDOG_MS} ms); 20 events whole, log_group adm given; metrics served"
else
	not_ok "WATCHDOG=1 idle and under load" "longest gap $gap ms; pings: $(printf '%s ' $pings)" "$events" \
		"scrape: $scrape" "log groups: $groups" "$(cat "$top/healthy/stderr")"
fi
last=$(datagrams healthy | tail -1 | cut -f2)
if [ "$last" = "STOPPING=1" ] && [ $status = 0 ] && restored; then
	ok "SIGTERM: STOPPING=1 last, exit 0, kernel settings, pid and rules as before"
else
	not_ok "SIGTERM: STOPPING=1, exit 0, kernel restored" "last datagram: $last, exit $status" \
		"$SETTINGS_BEFORE" "$(ks_settings)" "$(auditctl -l)"
fi

# 6. A stalled decoder stops the pings; the main thread goes on. Decoder 0
# stalls once it has taken 30 records (more than its share of the start's
# own records, about 6 of 12, less than its share of a first load of 40
# events, about 100 of 200 records) and then found its ring empty for half
# a second: it stops idle, not stuck, and the pings go on. A second load
# puts records in its ring: now it is stuck.
service stalled --env NEEDLE_TEST_FAULT=decoder-stall:30
live_wait_collecting "$top/stalled/stderr" "$pid"
load stalled 40
t_idle=$(mono_ms)
sleep 3
t_load=$(mono_ms)
load stalledb 10
sleep 6
t_end=$(mono_ms)
idle_pings=$(ping_times stalled "$t_idle" | awk -v t="$t_load" '$1<t' | wc -l)
# The stall is seen a bound (1 s here) after the records came; a ping due
# meanwhile may still go: none after twice WatchdogSec.
late=$(ping_times stalled "$((t_load + 2 * WATCHDOG_MS))")
statuses=$(datagrams stalled | awk -F'\t' -v t="$t_load" '$1>=t && $2 ~ /^STATUS=records/' | wc -l)
alive=no; kill -0 "$pid" 2>/dev/null && alive=yes
kill -TERM "$pid"; wait "$pid"; status=$?
sleep 0.3
stop_sink
events=$(/usr/bin/python3 "$here/check_json.py" "$top/stalled/log/needle.json" "$key" 50 openat \
	"/nonexistent/$key/stalled" 2>&1)
gap=$(max_gap "$t_load" "$t_end" $(ping_times stalled "$t_load"))
if [ "$idle_pings" -ge 2 ] && [ -z "$late" ] && [ "$gap" -gt $((WATCHDOG_MS + 1000)) ] && [ "$statuses" -ge 4 ] &&
	[ $alive = yes ] && grep -q "TEST FAULT ARMED: decoder-stall" "$top/stalled/stderr" &&
	grep -q "^needle: warning: decoder 0: [0-9]* records wait in its ring, none taken for [0-9]* ms: the pipeline is stuck; the systemd watchdog is no longer told" "$top/stalled/stderr" &&
	[ $status = 0 ] && printf '%s' "$events" | grep -q "50 (expected 50), 0 wrong" && restored; then
	ok "stalled decoder: $idle_pings WATCHDOG=1 in 3 s while its ring was empty, none for $gap ms once records waited in it (> WatchdogSec), STATUS= goes on ($statuses), decoder 0 named; SIGTERM: exit 0, 50 events whole, kernel restored"
else
	not_ok "stalled decoder stops the pings" "pings while idle $idle_pings, late ones: $(printf '%s ' $late)" \
		"longest gap $gap ms, statuses $statuses, alive $alive, exit $status" "$events" \
		"$(cat "$top/stalled/stderr")" "$(ks_settings)"
fi

# 7. Without systemd (no NOTIFY_SOCKET, no WATCHDOG_USEC) the same stall
# is only said in the log, after 30 s.
mkdir -p "$top/plain"
printf '%s\n' "log_dir = $top/plain/log" "metrics_listen =" "control_socket =" \
	"backlog_wait_time = 100" "decoder_threads = 2" "plugin_dir =" > "$top/plain/needle.conf"
NEEDLE_TEST_FAULT=decoder-stall:30 "$NEEDLE" run --foreground -c "$top/plain/needle.conf" \
	2> "$top/plain/stderr" &
pid=$!
LIVE_PIDS+=("$pid")
live_wait_collecting "$top/plain/stderr"
load plain 40
sleep 1
t_load=$(mono_ms)
load plainb 10
said=
for _ in $(seq 400); do
	grep -q "^needle: warning: decoder 0: .*the pipeline is stuck$" "$top/plain/stderr" && { said=$(mono_ms); break; }
	sleep 0.1
done
kill -TERM "$pid"; wait "$pid"; status=$?
after=$(( ${said:-0} - t_load ))
if [ -n "$said" ] && [ "$after" -ge 28500 ] && [ "$after" -le 34000 ] && [ $status = 0 ] && restored; then
	ok "without systemd: the stalled decoder said in the log $after ms after records waited (bound 30 s); exit 0"
else
	not_ok "without systemd: the stall said after 30 s" "said ${said:-never}, $after ms after the load, exit $status" \
		"$(cat "$top/plain/stderr")"
fi

# 8. Rules loaded at start from inside the sandbox watch the host's files:
# a watch on a file of the test (in the host's /tmp, read-only in the
# sandbox) catches a write made outside it.
mkdir -p "$top/rules"
: > "$top/watched"
printf -- '-w %s -p w -k %s\n' "$top/watched" "$key" > "$top/rules/watch.rules"
printf '%s\n' "log_dir = $top/rules/log" "metrics_listen =" "backlog_wait_time = 100" \
	"plugin_dir =" "rules = $top/rules/watch.rules" > "$top/rules/needle.conf"
/usr/bin/python3 "$here/unit_exec.py" "$UNIT" --binary "$NEEDLE" --config "$top/rules/needle.conf" \
	--logs-dir "$top/rules/log" 2> "$top/rules/stderr" &
pid=$!
LIVE_PIDS+=("$pid")
live_wait_collecting "$top/rules/stderr"
loaded=$(auditctl -l | grep -c -- "-k $key")
# The control: the same rule for another file, added where /tmp is private
# (what PrivateTmp would give needle): it watches the private copy.
: > "$top/watched2"
unshare -m --propagation private sh -c 'mount -t tmpfs tmpfs /tmp && mkdir -p "$(dirname "$1")" &&
	: > "$1" && auditctl -w "$1" -p w -k "$2"' sh "$top/watched2" "$key-private" >/dev/null
/bin/sh -c "echo x >> '$top/watched'; echo x >> '$top/watched2'"
sleep 1
auditctl -D -k "$key-private" >/dev/null 2>&1
kill -TERM "$pid"; wait "$pid"; status=$?
events=$(/usr/bin/python3 "$here/check_json.py" "$top/rules/log/needle.json" "$key" 1 openat \
	"$top/watched" 2>&1)
# (its key is also on the CONFIG_CHANGE of adding and removing it: only
# system calls on the file count)
private=$(/usr/bin/python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    ev = json.loads(line)
    if sys.argv[2] in (ev.get("why", {}).get("keys") or []) and ev.get("what", {}).get("syscall") == "openat":
        n += 1
print(f"{n} writes caught")' "$top/rules/log/needle.json" "$key-private" 2>&1)
if [ "$loaded" = 1 ] && printf '%s' "$events" | grep -q "1 (expected 1), 0 wrong" && [ $status = 0 ] &&
	[ "$private" = "0 writes caught" ] && restored; then
	ok "a watch rule loaded from inside the sandbox (rules = FILE) caught a write to the host's file, removed at stop; the same rule added under a private /tmp missed it"
else
	not_ok "a watch rule loaded from inside the sandbox" "loaded $loaded, exit $status" "$events" \
		"private /tmp: $private" "$(cat "$top/rules/stderr")" "$(auditctl -l)"
fi

# 9. The af_unix plugin under the sandbox: its socket can be made in
# /run/needle (RuntimeDirectory), not elsewhere in /run (read-only there:
# said, and needle goes on).
mkdir -p "$top/afunix/plugins"
inside=/run/needle/svc-test-$$.sock outside=/run/needle-svc-test-$$.sock
for p in inside outside; do
	printf '%s\n' "active = yes" "direction = out" "path = builtin_af_unix" "type = builtin" \
		"args = 0640 ${!p}" "format = string" > "$top/afunix/plugins/$p.conf"
done
printf '%s\n' "log_dir = $top/afunix/log" "metrics_listen =" "backlog_wait_time = 100" \
	"plugin_dir = $top/afunix/plugins" > "$top/afunix/needle.conf"
/usr/bin/python3 "$here/unit_exec.py" "$UNIT" --binary "$NEEDLE" --config "$top/afunix/needle.conf" \
	--logs-dir "$top/afunix/log" 2> "$top/afunix/stderr" &
pid=$!
LIVE_PIDS+=("$pid")
live_wait_collecting "$top/afunix/stderr"
made=no; [ -S "$inside" ] && made=yes
kill -TERM "$pid"; wait "$pid"; status=$?
rm -f "$inside"
if [ $made = yes ] && [ ! -e "$outside" ] &&
	grep -q "^needle: plugin outside: cannot make the socket $outside: Read-only file system; continuing without it" "$top/afunix/stderr" &&
	! grep -q "plugin inside: cannot" "$top/afunix/stderr" && [ $status = 0 ] && restored; then
	ok "af_unix plugin in the sandbox: its socket made in /run/needle, refused elsewhere in /run (said), exit 0"
else
	not_ok "af_unix plugin in the sandbox" "socket in /run/needle made: $made, exit $status" "$(cat "$top/afunix/stderr")"
fi

if grep -q '^ExecStartPost=' "$UNIT"; then
	not_ok "the unit has an ExecStartPost: this test does not run it yet" "$(grep '^ExecStartPost=' "$UNIT")"
else
	ok "no ExecStartPost to run: needle loads the rules itself"
fi
echo "1..$n"
