#!/usr/bin/env bash
# Live: output = nats against one nats-server of the test's own (loopback,
# a free port, its data in the test's folder). The independent count is
# the load generator's own count of its failing openat() calls; the
# stream is read back with tests/live/nats-count.c (libnats alone), which
# counts the messages holding the load's path and their distinct
# Nats-Msg-Id, and checks the serials' order per host.
#   1. 20,000 events of a load: each in the stream once (messages with the
#      path = distinct ids = calls = events in needle's JSON log), under the
#      subject nats_subject = needle.{key}.{host} makes; needle's own
#      DAEMON_START and DAEMON_END there once each.
#   2. The server SIGKILLed in the middle of a paced load and started again
#      2 s later: the events spool meanwhile (needle_spool_events > 0
#      seen), then every call is in the stream once, in serial order (one
#      decoder, one load thread: needle's order is the kernel's).
#   3. needle SIGKILLed while it spools (the server down), started again
#      with the server up: the spool drains, every call once.
#   4. A spool too small for an outage (spool_max 1M, the server down
#      during 6,000 calls): the calls missing from the stream equal the
#      events counted lost (needle_lost_events_total{cause="sink"}, and
#      needle_nats_lost_events_total{reason="spool_full"}), exactly.
#   5. The server frozen (SIGSTOP) 7 s, longer than the 5 s needle waits for
#      an acknowledgement: needle sends again, the thawed server stores
#      each message once (needle_nats_duplicates_total > 0: the resends it
#      dropped), every call in the stream once.
# usage: test-nats.sh NEEDLE LOADGEN NATS_COUNT   (TAP; root; one at a time)
set -u
NEEDLE=$1 LOADGEN=$(readlink -f "$2") NATS_COUNT=$3
here=$(dirname "$0")
. "$here/lib.sh"
live_require tap
command -v nats-server >/dev/null || live_skip tap "no nats-server (Debian package nats-server)"
live_setup "needle-nats-$$"
. "$here/nats-lib.sh"

nats_tap 5
json_events() { grep -c "/nonexistent/$LIVE_KEY" "$1" 2>/dev/null || echo 0; }

# 1. One server, 20,000 events.
port=$(free_port)
url=nats://127.0.0.1:$port
# The subject made of the key and this host's name, as tokens.
want_subject="needle.$LIVE_KEY.$(uname -n | tr '.*> ' '____')"
if nats_start s1 -a 127.0.0.1 -p "$port" && start_needle one "output = json,nats
nats_url = $url
nats_subject = needle.{key}.{host}"; then
	pid=$started_pid
	add_rule
	load 10000
	del_rule
	wait_drained "$LIVE_TOP/one" 20
	live_stop "$pid"; status=$?
	c=$(calls)
	# needle's own records reach the stream too, as they reach its logs.
	count_stream "$url" NEEDLE '"DAEMON_START"'
	starts=$key
	count_stream "$url" NEEDLE '"DAEMON_END"'
	ends=$key
	count_stream "$url" NEEDLE "/nonexistent/$LIVE_KEY"
	j=$(json_events "$LIVE_TOP/one/log/needle.json")
	detail="calls $c, JSON log $j; stream: $stream_line; DAEMON_START $starts, DAEMON_END $ends; exit $status"
	if [ "$status" = 0 ] && [ "$c" = 20000 ] && [ "$key" = "$c" ] && [ "$key_distinct" = "$c" ] &&
		[ "$j" = "$c" ] && [ "$duplicates" = 0 ] && [ "$messages" = "$stored" ] &&
		[ "$subject" = "$want_subject" ] && [ "$format" = json ] && [ "$starts" = 1 ] && [ "$ends" = 1 ] &&
		grep -q "stopped: nats: .* 0 lost (.*; 0 messages left in the spool" "$LIVE_TOP/one/stderr"; then
		ok "one server: $c calls, $key messages in the stream ($subject), each once, as in the JSON log"
		echo "# $detail"
	else
		not_ok "one server: every event in the stream once" "$detail" \
			"$(grep nats "$LIVE_TOP/one/stderr" | tail -5)"
	fi
else
	not_ok "one server: every event in the stream once" "no server or no needle"
fi
nats_kill s1
: > "$LIVE_TOP/loadgen.out"

# 2. The server down in the middle of a load, back 2 s later.
port=$(free_port)
url=nats://127.0.0.1:$port
if nats_start s2 -a 127.0.0.1 -p "$port" && start_needle two "output = json,nats
nats_url = $url
decoder_threads = 1"; then
	pid=$started_pid
	add_rule
	# One thread: its calls end in the order the kernel numbers them.
	"$LOADGEN" --rate 10000 1 20000 "/nonexistent/$LIVE_KEY" >> "$LIVE_TOP/loadgen.out" &
	lpid=$!
	sleep 0.5
	nats_kill s2
	most=0
	for _ in $(seq 20); do
		stat_json "$LIVE_TOP/two"
		s=$(stat_get "$LIVE_TOP/two/stat.json" needle_spool_events)
		[ "$s" -gt "$most" ] && most=$s
		sleep 0.1
	done
	nats_start s2 -a 127.0.0.1 -p "$port"
	wait "$lpid"
	del_rule
	wait_drained "$LIVE_TOP/two" 30
	stat_json "$LIVE_TOP/two"
	reconnects=$(stat_get "$LIVE_TOP/two/stat.json" needle_nats_reconnects_total)
	live_stop "$pid"; status=$?
	c=$(calls)
	count_stream "$url" NEEDLE "/nonexistent/$LIVE_KEY"
	detail="calls $c; spooled at most $most while the server was down; reconnects $reconnects; stream: $stream_line; exit $status"
	if [ "$status" = 0 ] && [ "$c" = 20000 ] && [ "$most" -gt 0 ] && [ "$key" = "$c" ] &&
		[ "$key_distinct" = "$c" ] && [ "$duplicates" = 0 ] && [ "$out_of_order" = 0 ] &&
		[ "$reconnects" -ge 1 ]; then
		ok "the server down for 2 s mid-load: $most events spooled, then all $c in the stream once, in serial order"
		echo "# $detail"
	else
		not_ok "the server down mid-load: every event once, in order" "$detail" \
			"$(grep nats "$LIVE_TOP/two/stderr" | tail -5)"
	fi
else
	not_ok "the server down mid-load: every event once, in order" "no server or no needle"
fi
nats_kill s2
: > "$LIVE_TOP/loadgen.out"

# 3. needle SIGKILLed while it spools; started again, the server up.
port=$(free_port)
url=nats://127.0.0.1:$port
if nats_start s3 -a 127.0.0.1 -p "$port" && start_needle three "output = json,nats
nats_url = $url"; then
	pid=$started_pid
	nats_kill s3
	add_rule
	load 2500
	del_rule
	wait_spooled "$LIVE_TOP/three" 5000 50
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	nats_start s3 -a 127.0.0.1 -p "$port"
	# The same log_dir: the same spool.
	printf '%s\n' "log_dir = $LIVE_TOP/three/log" "plugin_dir =" "metrics_listen =" \
		"control_socket = $LIVE_TOP/three/control" "backlog_wait_time = 100" \
		"output = json,nats" "nats_url = $url" > "$LIVE_TOP/three/again.conf"
	"$NEEDLE" run --foreground -c "$LIVE_TOP/three/again.conf" 2> "$LIVE_TOP/three/again.stderr" &
	pid=$!
	LIVE_PIDS+=("$pid")
	for _ in $(seq 50); do grep -q collecting "$LIVE_TOP/three/again.stderr" && break; sleep 0.1; done
	wait_drained "$LIVE_TOP/three" 30
	live_stop "$pid"; status=$?
	c=$(calls)
	count_stream "$url" NEEDLE "/nonexistent/$LIVE_KEY"
	waited=$(sed -n 's/.*nats: \([0-9]*\) messages wait in the spool .*/\1/p' "$LIVE_TOP/three/again.stderr")
	detail="calls $c; spooled $spooled when needle was killed; the next start found ${waited:-none} waiting; stream: $stream_line; exit $status"
	if [ "$status" = 0 ] && [ "$c" = 5000 ] && [ "$spooled" -ge "$c" ] && [ "${waited:-0}" -ge "$c" ] &&
		[ "$key" = "$c" ] && [ "$key_distinct" = "$c" ] && [ "$duplicates" = 0 ]; then
		ok "SIGKILL while spooling: the next needle sends the $waited spooled messages, all $c calls once"
		echo "# $detail"
	else
		not_ok "SIGKILL while spooling: the spool drains at the next start, every event once" \
			"$detail" "$(grep nats "$LIVE_TOP/three/again.stderr" | tail -5)"
	fi
else
	not_ok "SIGKILL while spooling: the spool drains at the next start" "no server or no needle"
fi
nats_kill s3
: > "$LIVE_TOP/loadgen.out"

# 4. A spool too small for the outage: what is missing is what is counted.
port=$(free_port)
url=nats://127.0.0.1:$port
if nats_start s4 -a 127.0.0.1 -p "$port" && start_needle four "output = json,nats
nats_url = $url
spool_max = 1M"; then
	pid=$started_pid
	add_rule
	nats_kill s4
	load 3000
	sleep 0.5
	nats_start s4 -a 127.0.0.1 -p "$port"
	wait_drained "$LIVE_TOP/four" 30
	del_rule
	wait_drained "$LIVE_TOP/four" 10
	stat_json "$LIVE_TOP/four"
	f=$LIVE_TOP/four/stat.json
	sink=$(stat_get "$f" 'needle_lost_events_total{cause="sink"}')
	full=$(stat_get "$f" 'needle_nats_lost_events_total{reason="spool_full"}')
	live_stop "$pid"; status=$?
	# The stop's own account: every event handed over, spooled or lost.
	read -r handed spooled lost <<< "$(sed -n 's/.*stopped: nats: \([0-9]*\) events handed over, \([0-9]*\) written to the spool, \([0-9]*\) lost .*/\1 \2 \3/p' "$LIVE_TOP/four/stderr")"
	c=$(calls)
	count_stream "$url" NEEDLE "/nonexistent/$LIVE_KEY"
	j=$(json_events "$LIVE_TOP/four/log/needle.json")
	detail="calls $c, JSON log $j; stream: $stream_line; counted lost: sink $sink, spool_full $full; at stop: handed over $handed, written to the spool $spooled, lost $lost; exit $status"
	if [ "$status" = 0 ] && [ "$c" = 6000 ] && [ "$j" = "$c" ] && [ "$sink" -gt 0 ] &&
		[ $((c - key)) = "$sink" ] && [ "$full" = "$sink" ] && [ "$lost" = "$sink" ] &&
		[ "$key_distinct" = "$key" ] && [ "$duplicates" = 0 ] && [ "$spooled" = "$stored" ] &&
		[ $((spooled + lost)) = "$handed" ] &&
		grep -q "the spool is full (spool_max 1048576 bytes)" "$LIVE_TOP/four/stderr"; then
		ok "spool too small: $((c - key)) of $c calls missing from the stream, $sink counted lost (spool full), exactly"
		echo "# $detail"
	else
		not_ok "spool too small: the events missing from the stream are those counted lost" "$detail" \
			"$(grep nats "$LIVE_TOP/four/stderr" | tail -5)"
	fi
else
	not_ok "spool too small: missing = counted lost" "no server or no needle"
fi
nats_kill s4
: > "$LIVE_TOP/loadgen.out"

# 5. Acknowledgements late: the server frozen (SIGSTOP) for 7 s, longer
# than the 5 s needle waits for an acknowledgement, the connection up.
# needle sends again what it had in flight; the server, thawed, stores the
# first copies and drops the resends by their Nats-Msg-Id.
port=$(free_port)
url=nats://127.0.0.1:$port
if nats_start s5 -a 127.0.0.1 -p "$port" && start_needle five "output = json,nats
nats_url = $url"; then
	pid=$started_pid
	add_rule
	load 1000
	wait_drained "$LIVE_TOP/five" 10
	kill -STOP "${NATS_PID[s5]}"
	# Few enough to fit the socket's buffers: a publish never waits on
	# the frozen server, the messages sit unacknowledged.
	load 100
	sleep 7
	kill -CONT "${NATS_PID[s5]}"
	del_rule
	wait_drained "$LIVE_TOP/five" 20
	stat_json "$LIVE_TOP/five"
	f=$LIVE_TOP/five/stat.json
	late=$(stat_get "$f" needle_nats_failed_total)
	dups=$(stat_get "$f" needle_nats_duplicates_total)
	live_stop "$pid"; status=$?
	c=$(calls)
	count_stream "$url" NEEDLE "/nonexistent/$LIVE_KEY"
	detail="calls $c; acknowledgements overdue $late, resends the stream had already $dups; stream: $stream_line; exit $status"
	if [ "$status" = 0 ] && [ "$c" = 2200 ] && [ "$late" -ge 1 ] && [ "$dups" -ge 1 ] &&
		[ "$key" = "$c" ] && [ "$key_distinct" = "$c" ] && [ "$duplicates" = 0 ] &&
		grep -q "nats: no acknowledgement of message [0-9]* within 5000 ms; sending again from it" "$LIVE_TOP/five/stderr"; then
		ok "acknowledgements late (server frozen 7 s): $dups messages sent again, each stored once: all $c calls in the stream once"
		echo "# $detail"
	else
		not_ok "acknowledgements late: a resend stored once" "$detail" \
			"$(grep nats "$LIVE_TOP/five/stderr" | tail -5)"
	fi
else
	not_ok "acknowledgements late: a resend stored once" "no server or no needle"
fi
nats_kill s5
[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] || { echo "# kernel state changed: $(ks_settings)"; failed=$((failed + 1)); }
[ "$failed" = 0 ]
