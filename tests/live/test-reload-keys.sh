#!/usr/bin/env bash
# Live: what SIGHUP applies in the main thread is applied, seen from
# outside needle: the receive buffer (as `ss` reports the kernel's socket),
# the metrics endpoint and the control socket move, the process table's
# capacity changes; a key that waits for the next start is named; a bad
# file gets every error at once and changes nothing.
# usage: test-reload-keys.sh NEEDLE   (TAP; root; one at a time)
set -u
NEEDLE=$1
. "$(dirname "$0")/lib.sh"
live_require tap
live_setup "needle-keys-$$"
dir=$LIVE_TOP/keys
port1=$((20000 + $$ % 20000)) port2=$((20001 + $$ % 20000))

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
metric() { curl -sf "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1==m{print $2}'; }
# Receive buffers of the audit netlink sockets, as the kernel has them.
audit_rcvbufs() { ss -a -f netlink -m | awk '$4 ~ /^audit:/ && $4 != "audit:kernel"' | sed -n 's/.*rb\([0-9]*\).*/\1/p' | sort -n; }
reloads() { grep -c "SIGHUP: configuration" "$dir/stderr"; }
wait_reload() { for _ in $(seq 50); do [ "$(reloads)" -ge "$1" ] && return 0; sleep 0.1; done; return 1; }

echo "TAP version 13"
echo "1..6"

conf() { printf '%s\n' "log_dir = $dir/log" "plugin_dir =" "backlog_wait_time = 100" "$@" > "$dir/needle.conf"; }
live_start keys "backlog_wait_time = 100
socket_buffer = 1M
metrics_listen = 127.0.0.1:$port1
control_socket = $dir/c1.sock
process_table_size = 1000" || { not_ok "needle starts" "$(cat "$dir/stderr")"; exit 1; }
pid=$started_pid
before_buf=$(metric "$port1" needle_socket_receive_buffer_bytes)
before_cap=$(metric "$port1" needle_process_table_capacity)

conf "socket_buffer = 3M" "metrics_listen = 127.0.0.1:$port2" "control_socket = $dir/c2.sock" \
	"process_table_size = 2000" "ring_size = 1M"
kill -HUP "$pid"
wait_reload 1

# 1. socket_buffer: the kernel's own figure for the socket (SO_RCVBUF
#    doubles what is asked) and needle's metric.
want=$((2 * 3 * 1048576))
if [ "$before_buf" = $((2 * 1048576)) ] && audit_rcvbufs | grep -qx "$want" &&
	[ "$(metric "$port2" needle_socket_receive_buffer_bytes)" = "$want" ]; then
	ok "socket_buffer applied live: the kernel's socket has rb $want"
else
	not_ok "socket_buffer applied live" "metric before $before_buf, after $(metric "$port2" needle_socket_receive_buffer_bytes)" \
		"audit sockets' rb: $(audit_rcvbufs | tr '\n' ' ')"
fi

# 2. metrics_listen moved: the new address answers, the old one does not.
if [ -n "$(metric "$port2" needle_socket_receive_buffer_bytes)" ] && ! curl -sf "http://127.0.0.1:$port1/metrics" >/dev/null; then
	ok "metrics_listen moved from :$port1 to :$port2"
else
	not_ok "metrics_listen moved from :$port1 to :$port2" "$(grep SIGHUP "$dir/stderr")"
fi

# 3. control_socket moved.
if "$NEEDLE" stat --socket "$dir/c2.sock" >/dev/null 2>&1 && [ ! -e "$dir/c1.sock" ] &&
	! "$NEEDLE" stat --socket "$dir/c1.sock" >/dev/null 2>&1; then
	ok "control_socket moved; the old one is gone"
else
	not_ok "control_socket moved; the old one is gone" "$(ls -l "$dir")"
fi

# 4. process_table_size, and the log names every change, live or not.
cap=$(metric "$port2" needle_process_table_capacity)
missing=""
for line in "socket_buffer: 1M -> 3M" "metrics_listen: 127.0.0.1:$port1 -> 127.0.0.1:$port2" \
	"control_socket: $dir/c1.sock -> $dir/c2.sock" "process_table_size: 1000 -> 2000" \
	"ring_size: 16M -> 1M takes effect at the next start (the rings are allocated at start)"; do
	grep -qF "needle: SIGHUP: $line" "$dir/stderr" || missing="$missing [$line]"
done
if [ "$before_cap" = 1000 ] && [ "$cap" = 2000 ] && [ -z "$missing" ]; then
	ok "process_table_size 1000 -> 2000 applied; each changed key named"
else
	not_ok "process_table_size applied; each changed key named" "capacity $before_cap -> $cap" "missing:$missing"
fi

# 5. A bad file: every error, at its line, and nothing changes.
printf '%s\n' "log_dir = $dir/log" "ring_size = 3M" "metrics_listen = 127.0.0.1:$port1" "bogus = 1" "plugin_dir =" > "$dir/needle.conf"
kill -HUP "$pid"
wait_reload 2
if grep -qF "SIGHUP: $dir/needle.conf:2: ring_size: '3M' is not a power of two" "$dir/stderr" &&
	grep -qF "SIGHUP: $dir/needle.conf:4: unknown key 'bogus'" "$dir/stderr" &&
	grep -q "SIGHUP: configuration unchanged" "$dir/stderr" &&
	[ -n "$(metric "$port2" needle_process_table_capacity)" ] && ! curl -sf "http://127.0.0.1:$port1/metrics" >/dev/null; then
	ok "a bad file on SIGHUP: both errors named, configuration unchanged"
else
	not_ok "a bad file on SIGHUP: both errors named, configuration unchanged" "$(grep SIGHUP "$dir/stderr")"
fi

live_stop "$pid"; status=$?
if [ "$status" = 0 ] && [ "$(ks_settings)" = "$SETTINGS_BEFORE" ]; then
	ok "stopped with status 0, kernel settings restored"
else
	not_ok "stopped with status 0, kernel settings restored" "exit $status" "$(ks_settings)"
fi
[ "$failed" = 0 ]
