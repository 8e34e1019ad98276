#!/usr/bin/env bash
# Live: output = nats against a cluster of three nats-servers of the
# test's own (loopback, free ports, routes between them, JetStream), the
# stream made by needle with three replicas. In the middle of a paced load
# the node needle is connected to is SIGKILLed: libnats reconnects to
# another, needle sends again what was not acknowledged, and the stream
# (read back from a node still up with tests/live/nats-count.c) holds
# every call of the load once: nothing lost, nothing twice.
# usage: test-nats-cluster.sh NEEDLE LOADGEN NATS_COUNT   (TAP; root; one at a time)
set -u
NEEDLE=$1 LOADGEN=$(readlink -f "$2") NATS_COUNT=$3
here=$(dirname "$0")
. "$here/lib.sh"
live_require tap
command -v nats-server >/dev/null || live_skip tap "no nats-server (Debian package nats-server)"
live_setup "needle-nats-cluster-$$"
. "$here/nats-lib.sh"

echo "TAP version 13"
echo "1..1"
failed=0
result() { echo "$1 1 - $2"; shift 2; for l in "$@"; do echo "# $l"; done; }

declare -a port route
for i in 1 2 3; do
	port[i]=$(free_port)
	route[i]=$(free_port)
done
started=0
for i in 1 2 3; do
	cat > "$LIVE_TOP/n$i.conf" <<EOF
server_name: n$i
listen: 127.0.0.1:${port[i]}
cluster {
  name: needle-test
  listen: 127.0.0.1:${route[i]}
  routes: [ nats-route://127.0.0.1:${route[1]}, nats-route://127.0.0.1:${route[2]}, nats-route://127.0.0.1:${route[3]} ]
}
EOF
	nats_start "n$i" -c "$LIVE_TOP/n$i.conf" && started=$((started + 1))
done
# JetStream's meta group must have a leader before a stream can be made.
for _ in $(seq 100); do
	cat "$LIVE_TOP"/n?.log | grep -q "JetStream cluster new metadata leader\|Self is new JetStream cluster metadata leader" && break
	sleep 0.1
done
urls="nats://127.0.0.1:${port[1]},nats://127.0.0.1:${port[2]},nats://127.0.0.1:${port[3]}"
if [ "$started" = 3 ] && start_needle one "output = json,nats
nats_url = $urls
nats_replicas = 3"; then
	pid=$started_pid
	add_rule
	load 10000 10000 &
	lpid=$!
	sleep 0.7
	stat_json "$LIVE_TOP/one"
	# The node needle is connected to goes.
	victim=$(python3 -c 'import json,sys,re
for k, v in json.load(open(sys.argv[1])).items():
    m = re.match(r"needle_nats_connected\{server=\"nats://127.0.0.1:(\d+)\"\}", k)
    if m and v == 1: print(m.group(1))' "$LIVE_TOP/one/stat.json")
	killed=none
	for i in 1 2 3; do
		if [ "${port[i]}" = "$victim" ]; then
			nats_kill "n$i"
			killed=n$i
		fi
	done
	wait "$lpid"
	del_rule
	wait_drained "$LIVE_TOP/one" 60
	stat_json "$LIVE_TOP/one"
	f=$LIVE_TOP/one/stat.json
	reconnects=$(stat_get "$f" needle_nats_reconnects_total)
	dups=$(stat_get "$f" needle_nats_duplicates_total)
	failed_pubs=$(stat_get "$f" needle_nats_failed_total)
	live_stop "$pid"; status=$?
	c=$(calls)
	alive=1
	[ "$killed" = n1 ] && alive=2
	count_stream "nats://127.0.0.1:${port[alive]}" NEEDLE "/nonexistent/$LIVE_KEY"
	detail="calls $c; killed $killed (port $victim), needle reconnected $reconnects time(s), $failed_pubs publishes failed, $dups resends the stream had already; stream read from n$alive: $stream_line; exit $status"
	if [ "$status" = 0 ] && [ "$c" = 20000 ] && [ "$killed" != none ] && [ "$reconnects" -ge 1 ] &&
		[ "$key" = "$c" ] && [ "$key_distinct" = "$c" ] && [ "$duplicates" = 0 ] &&
		[ "$messages" = "$stored" ] &&
		grep -q "made stream NEEDLE (subjects needle.>, file storage, replicas 3" "$LIVE_TOP/one/stderr"; then
		result ok "three nodes, replicas 3, the connected node killed mid-load: all $c calls in the stream once"
		echo "# $detail"
	else
		failed=1
		result "not ok" "three nodes, one killed mid-load: nothing lost, nothing twice" "$detail" \
			"$(grep nats "$LIVE_TOP/one/stderr" | tail -8)"
	fi
else
	failed=1
	result "not ok" "three nodes, one killed mid-load: nothing lost, nothing twice" \
		"$started of 3 nodes started, or needle did not"
fi
[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] || { echo "# kernel state changed: $(ks_settings)"; failed=1; }
[ "$failed" = 0 ]
