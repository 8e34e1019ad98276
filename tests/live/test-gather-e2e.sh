#!/usr/bin/env bash
# Live, end to end: needle run (output = json,nats) ships a load's events to
# a nats-server of the test's own, and needle gather writes them on the
# central side. The independent count is the load generator's own count of
# its failing openat() calls; needle's JSON log on the host is the
# reference for the lines.
#   1. 20,000 events of a load: gather --out DIR writes each once, in the
#      host's file named after this host, line for line as needle run's
#      JSON log has them (needle's own DAEMON_* records included), and
#      -f summary --follow, started before the load, shows every call.
#   2. The kernel's settings afterwards as before.
# usage: test-gather-e2e.sh NEEDLE LOADGEN   (TAP; root, the kernel lock)
set -u
NEEDLE=$1 LOADGEN=$(readlink -f "$2")
here=$(dirname "$0")
. "$here/lib.sh"
live_require tap
command -v nats-server >/dev/null || live_skip tap "no nats-server (Debian package nats-server)"
live_setup "needle-gather-$$"
. "$here/nats-lib.sh"

echo "TAP version 13"
echo "1..3"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
ids() { grep -o '^{"id":"[^"]*"' "$1" 2>/dev/null; }

port=$(free_port)
url=nats://127.0.0.1:$port
host=$(uname -n)
out=$LIVE_TOP/central
if nats_start s1 -a 127.0.0.1 -p "$port" && start_needle one "output = json,nats
nats_url = $url"; then
	pid=$started_pid
	# The live view first: it sees only what comes after it started.
	"$NEEDLE" gather --nats "$url" --follow > "$LIVE_TOP/follow.out" 2> "$LIVE_TOP/follow.err" &
	follow=$!
	LIVE_PIDS+=("$follow")
	for _ in $(seq 100); do grep -q "connected to" "$LIVE_TOP/follow.err" && break; sleep 0.1; done
	add_rule
	load 10000
	del_rule
	wait_drained "$LIVE_TOP/one" 30
	live_stop "$pid"; status=$?
	"$NEEDLE" gather --nats "$url" --out "$out" 2> "$LIVE_TOP/gather.err" &
	gather=$!
	LIVE_PIDS+=("$gather")
	# Everything needle wrote, DAEMON_END included, is in the stream now.
	want=$(wc -l < "$LIVE_TOP/one/log/needle.json")
	for _ in $(seq 300); do
		[ "$(wc -l < "$out/$host.json" 2>/dev/null || echo 0)" -ge "$want" ] && break
		sleep 0.1
	done
	sleep 0.5 # a repeat, were one written, would show
	kill -TERM "$gather" "$follow"
	wait "$gather"; gstatus=$?
	wait "$follow"; fstatus=$?
	c=$(calls)
	written=$(grep -c "/nonexistent/$LIVE_KEY" "$out/$host.json")
	distinct=$(ids "$out/$host.json" | sort -u | wc -l)
	total=$(wc -l < "$out/$host.json")
	detail="calls $c; needle's JSON log $want lines; gather: $total lines, $distinct ids, $written of the load; exit $status (needle), $gstatus (gather)"
	if [ "$status" = 0 ] && [ "$gstatus" = 0 ] && [ "$c" = 20000 ] && [ "$written" = "$c" ] &&
		[ "$distinct" = "$total" ] && cmp -s <(sort "$LIVE_TOP/one/log/needle.json") <(sort "$out/$host.json"); then
		ok "20,000 calls: needle run to the stream, needle gather writes each once, line for line as needle's own JSON log"
		echo "# $detail"
	else
		not_ok "needle gather writes each event needle run shipped once" "$detail" \
			"$(tail -3 "$LIVE_TOP/gather.err")"
	fi
	seen=$(grep -c "^$host .*called openat -> failed ENOENT" "$LIVE_TOP/follow.out")
	if [ "$fstatus" = 0 ] && [ "$seen" = "$c" ]; then
		ok "gather --follow: a summary line for each of the $c calls, marked with the host"
	else
		not_ok "gather --follow: a summary line for each call" "$seen of $c; exit $fstatus" \
			"$(head -2 "$LIVE_TOP/follow.out")" "$(tail -3 "$LIVE_TOP/follow.err")"
	fi
else
	not_ok "needle run to the stream, needle gather to files" "no server or no needle"
	not_ok "gather --follow" "no server or no needle"
fi
nats_kill s1
if [ "$(ks_settings)" = "$SETTINGS_BEFORE" ]; then
	ok "the kernel's settings as before"
else
	not_ok "the kernel's settings as before" "before: $SETTINGS_BEFORE" "after: $(ks_settings)"
fi
exit 0
