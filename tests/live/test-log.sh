#!/usr/bin/env bash
# Live: where needle run's log lines go (daemon/say.h), each counted in
# needle_log_messages_total{to=...} and compared with what the destination
# got. A detached needle runs in a mount namespace whose /dev is a tmpfs
# with only null, zero, full, random, urandom and what the case gives it:
#   1 foreground: every line on stderr, counted "stderr"
#   2 detached, /dev/log a socket of the test: the lines after detaching
#     (two SIGHUPs, the stop) arrive there as syslog datagrams, counted
#     (those before detaching went to stderr: counted "stderr")
#   2b the same socket, not read (the test's receiver stopped): once its
#     queue is full the lines go to the file, needle never waits; the
#     socket and the file got what was counted for each
#   3 detached, no /dev/log: they go to log_dir/needle.messages, the first
#     saying why; the count is the file's lines; a full (16 MiB) one found
#     there is moved to needle.messages.1 first
#   4 detached, no /dev/log, needle.messages unwritable: /dev/kmsg (dmesg
#     shows them), counted "kmsg"
#   5 detached, none of them: counted "lost", nothing else
# usage: test-log.sh NEEDLE   (TAP; root; one at a time)
set -u
NEEDLE=$(readlink -f "$1")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
live_require tap
live_setup "needle-log-$$"
top=$LIVE_TOP
sink_pid=

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); echo "not ok $n - $1"; shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done
}
trap '[ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null; live_cleanup' EXIT

conf() {
	mkdir -p "$top/$1"
	printf '%s\n' "log_dir = $top/$1/log" "metrics_listen =" "control_socket = $top/$1/control" \
		"backlog_wait_time = 100" "plugin_dir =" > "$top/$1/needle.conf"
}

# counts NAME: "stderr syslog file kmsg lost" from needle stat.
counts() {
	"$NEEDLE" stat --json --socket "$top/$1/control" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
m = json.load(sys.stdin)
print(" ".join(str(int(m.get("needle_log_messages_total{to=\"%s\"}" % t, -1)))
               for t in ("stderr", "syslog", "file", "kmsg", "lost")))'
}

# detached NAME DEVLOG KMSG: needle run (detached) in its own mount
# namespace; /dev/log there is a symlink to DEVLOG (none when empty), and
# /dev/kmsg is there when KMSG is yes. Sets $pid (the daemon) and $status.
detached() {
	local name=$1 devlog=$2 kmsg=$3
	unshare -m --propagation private sh -c '
		set -e
		top=$1 devlog=$2 kmsg=$3; shift 3
		mkdir -p "$top/olddev"
		mount --bind /dev "$top/olddev"
		mount -t tmpfs -o mode=755 tmpfs /dev
		for d in null zero full random urandom; do
			touch "/dev/$d"; mount --bind "$top/olddev/$d" "/dev/$d"
		done
		if [ "$kmsg" = yes ]; then touch /dev/kmsg; mount --bind "$top/olddev/kmsg" /dev/kmsg; fi
		if [ -n "$devlog" ]; then ln -s "$devlog" /dev/log; fi
		umount "$top/olddev"
		exec "$@"' sh "$top/$name" "$devlog" "$kmsg" "$NEEDLE" run -c "$top/$name/needle.conf" \
		> "$top/$name/stdout" 2> "$top/$name/stderr"
	status=$?
	pid=$(sed -n 's/.*collecting in the background, pid \([0-9]*\).*/\1/p' "$top/$name/stdout")
	[ -n "$pid" ] && LIVE_PIDS+=("$pid")
}

# hup_twice NAME: two SIGHUPs, each answered with a line; then the counts,
# and the lines said on stderr before detaching ($pre).
hup_twice() {
	kill -HUP "$pid"; sleep 0.5
	kill -HUP "$pid"; sleep 0.5
	got=$(counts "$1")
	pre=$(grep -c '^needle: ' "$top/$1/stderr")
}

# stop_detached: SIGTERM, and wait up to 20 s for the daemon to be gone.
stop_detached() {
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	return 1
}

# 1. Foreground: stderr, counted.
conf fg
"$NEEDLE" run --foreground -c "$top/fg/needle.conf" 2> "$top/fg/stderr" &
pid=$!
LIVE_PIDS+=("$pid")
live_wait_collecting "$top/fg/stderr"
kill -HUP "$pid"; sleep 0.5
got=$(counts fg)
lines=$(grep -c '^needle: ' "$top/fg/stderr")
live_stop "$pid"
if [ "$got" = "$lines 0 0 0 0" ] && [ "$lines" -ge 3 ]; then
	ok "foreground: $lines lines on stderr, counted stderr"
else
	not_ok "foreground: lines on stderr, counted" "counts (stderr syslog file kmsg lost): $got" \
		"stderr lines: $lines" "$(cat "$top/fg/stderr")"
fi

# 2. Detached with a syslog socket.
conf syslog
/usr/bin/python3 "$here/dgram_sink.py" "$top/syslog.sock" "$top/syslog.out" &
sink_pid=$!
for _ in $(seq 50); do [ -s "$top/syslog.out" ] && break; sleep 0.1; done
detached syslog "$top/syslog.sock" no
hup_twice syslog
datagrams=$(grep -c "needle\[$pid\]: " "$top/syslog.out")
stopped=no
stop_detached && stopped=yes
sleep 0.2
kill "$sink_pid"; wait "$sink_pid" 2>/dev/null; sink_pid=
if [ "$status" = 0 ] && [ "$got" = "$pre 2 0 0 0" ] && [ "$datagrams" = 2 ] &&
	grep -q "^[0-9]*	<29>[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]* needle\[$pid\]: SIGHUP" "$top/syslog.out" &&
	grep -q "needle\[$pid\]: stopped: " "$top/syslog.out" && [ $stopped = yes ] &&
	[ ! -e "$top/syslog/log/needle.messages" ]; then
	ok "detached: syslog datagrams (daemon.notice, needle[PID]), 2 counted for 2 received, the stop summary too"
else
	not_ok "detached: syslog datagrams" "exit $status, pid $pid, stopped $stopped" \
		"counts (stderr syslog file kmsg lost): $got, datagrams: $datagrams" \
		"$(cat "$top/syslog.out" "$top/syslog/stderr")"
fi

# 2b. Syslog that does not read: its queue fills (net.unix.max_dgram_qlen),
# needle does not wait, the rest goes to the file; the counts are what each
# got.
conf full
/usr/bin/python3 "$here/dgram_sink.py" "$top/full.sock" "$top/full.out" &
sink_pid=$!
for _ in $(seq 50); do [ -s "$top/full.out" ] && break; sleep 0.1; done
detached full "$top/full.sock" no
kill -STOP "$sink_pid"
t0=$(date +%s%N)
for _ in $(seq 20); do kill -HUP "$pid"; sleep 0.1; done
got=$(counts full)
took=$(( ($(date +%s%N) - t0) / 1000000 ))
kill -CONT "$sink_pid"
sleep 0.5
read -r _ to_syslog to_file _ _ <<< "$got"
datagrams=$(grep -c "needle\[$pid\]: " "$top/full.out")
file_lines=$(wc -l < "$top/full/log/needle.messages" 2>/dev/null)
stopped=no
stop_detached && stopped=yes
kill "$sink_pid"; wait "$sink_pid" 2>/dev/null; sink_pid=
if [ "$status" = 0 ] && [ "$to_syslog" = "$datagrams" ] && [ "$to_file" = "$file_lines" ] &&
	[ "$to_file" -ge 2 ] && [ "$to_syslog" -ge 10 ] && [ "$took" -lt 10000 ] &&
	head -1 "$top/full/log/needle.messages" | grep -q "syslog (/dev/log) cannot take needle's messages (Resource temporarily unavailable)" &&
	[ $stopped = yes ]; then
	ok "detached, syslog not reading: $to_syslog lines to syslog as it got them, $to_file to the file (why first), needle never waited"
else
	not_ok "detached, syslog not reading" "exit $status, stopped $stopped, 20 SIGHUPs in $took ms" \
		"counts (stderr syslog file kmsg lost): $got, datagrams: $datagrams, file lines: $file_lines" \
		"$(cat "$top/full/log/needle.messages" "$top/full/stderr" 2>&1)"
fi

# 3. Detached, no /dev/log: log_dir/needle.messages. One is there already,
# full (16 MiB): it becomes needle.messages.1 and a new one starts.
conf file
mkdir -p "$top/file/log"
truncate -s 16M "$top/file/log/needle.messages"
detached file "" no
hup_twice file
file_lines=$(wc -l < "$top/file/log/needle.messages" 2>/dev/null)
stopped=no
stop_detached && stopped=yes
if [ "$status" = 0 ] && [ "$got" = "$pre 0 3 0 0" ] && [ "$file_lines" = 3 ] &&
	head -1 "$top/file/log/needle.messages" | grep -q "needle\[$pid\]: syslog (/dev/log) cannot take needle's messages (No such file or directory): they go to $top/file/log/needle.messages" &&
	grep -q "needle\[$pid\]: stopped: " "$top/file/log/needle.messages" && [ $stopped = yes ] &&
	[ "$(stat -c %a "$top/file/log/needle.messages")" = 600 ] &&
	[ "$(stat -c %s "$top/file/log/needle.messages.1")" = $((16 << 20)) ]; then
	ok "detached without syslog: log_dir/needle.messages (0600), why first, 3 counted for 3 lines, the stop summary too; the full one before moved to .1"
else
	not_ok "detached without syslog: needle.messages" "exit $status, stopped $stopped" \
		"counts (stderr syslog file kmsg lost): $got, file lines: $file_lines" \
		"$(cat "$top/file/log/needle.messages" "$top/file/stderr" 2>&1)"
fi

# 4. Detached, no /dev/log, needle.messages unwritable (a directory): kmsg.
conf kmsg
mkdir -p "$top/kmsg/log/needle.messages"
detached kmsg "" yes
hup_twice kmsg
kernel_lines=$(dmesg | grep -c "needle\[$pid\]: ")
stopped=no
stop_detached && stopped=yes
if [ "$status" = 0 ] && [ "$got" = "$pre 0 0 3 0" ] && [ "$kernel_lines" = 3 ] &&
	dmesg | grep "needle\[$pid\]: " | head -1 | grep -q "nor $top/kmsg/log/needle.messages (Is a directory): they go to the kernel's log" &&
	dmesg | grep -q "needle\[$pid\]: stopped: " && [ $stopped = yes ]; then
	ok "detached, no syslog, file unwritable: /dev/kmsg, why first, 3 counted for 3 in dmesg"
else
	not_ok "detached, no syslog, file unwritable: /dev/kmsg" "exit $status, stopped $stopped" \
		"counts (stderr syslog file kmsg lost): $got, dmesg lines: $kernel_lines" \
		"$(dmesg | grep "needle\[$pid\]" | tail -5)" "$(cat "$top/kmsg/stderr")"
fi

# 5. Nowhere to go: counted lost.
conf lost
mkdir -p "$top/lost/log/needle.messages"
detached lost "" no
hup_twice lost
stopped=no
stop_detached && stopped=yes
if [ "$status" = 0 ] && [ "$got" = "$pre 0 0 0 2" ] && [ $stopped = yes ]; then
	ok "detached with nowhere to log: 2 lines counted lost"
else
	not_ok "detached with nowhere to log" "exit $status, stopped $stopped" \
		"counts (stderr syslog file kmsg lost): $got" "$(cat "$top/lost/stderr")"
fi

if [ "$(ks_settings)" = "$SETTINGS_BEFORE" ]; then
	ok "kernel settings as before"
else
	not_ok "kernel settings as before" "$SETTINGS_BEFORE" "$(ks_settings)"
fi
echo "1..$n"
