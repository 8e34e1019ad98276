# Shared by the NATS output's live tests (sourced after lib.sh's
# live_setup). The servers are Debian's nats-server, started here on
# 127.0.0.1 and ports of the test's own, their data in $LIVE_TOP, stopped
# by pid in lib.sh's exit trap (LIVE_PIDS) also when a test fails.
#
#   free_port                 a port nothing listens on now
#   nats_start NAME ARGS...   nats-server -js ARGS with its store in
#                             $LIVE_TOP/NAME; waits until it is ready;
#                             $nats_pid (NATS_PID[NAME] too)
#   nats_kill NAME            SIGKILL, and waits for it
#   stat_json NEEDLE_DIR      needle stat --json of the needle whose
#                             control socket is NEEDLE_DIR/control
#   stat_get FILE KEY         a sample of that JSON (-1: not there)
#   wait_drained DIR SECONDS  until that needle's spool is empty and
#                             nothing is in flight (1: not in time)
#   count_stream URL STREAM MATCH   nats-count's line, as variables:
#                             messages stored distinct duplicates key
#                             key_distinct out_of_order format subject
#   wait_spooled DIR N TRIES  until that needle's spool holds N events, at
#                             most TRIES x 0.1 s: $spooled, what it held
#   nats_tap PLAN             TAP's header and plan; ok TEXT and not_ok
#                             TEXT [DETAIL...] number the cases ($failed)
#   run_fails NAME CONF       a needle that must stop at start, CONF added
#                             to its settings: its exit status (124: it
#                             still ran after 20 s), stderr in
#                             $LIVE_TOP/NAME/stderr

declare -A NATS_PID

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

nats_start() {
	local name=$1
	shift
	mkdir -p "$LIVE_TOP/$name"
	nats-server -js -sd "$LIVE_TOP/$name" "$@" >> "$LIVE_TOP/$name.log" 2>&1 &
	nats_pid=$!
	NATS_PID[$name]=$nats_pid
	LIVE_PIDS+=("$nats_pid")
	for _ in $(seq 100); do
		# The count of ready lines: a restarted server appends to its log.
		[ "$(grep -c "Server is ready" "$LIVE_TOP/$name.log")" -ge "${NATS_STARTS[$name]:-1}" ] && break
		kill -0 "$nats_pid" 2>/dev/null || break
		sleep 0.05
	done
	NATS_STARTS[$name]=$(( ${NATS_STARTS[$name]:-1} + 1 ))
	kill -0 "$nats_pid" 2>/dev/null || { echo "# nats-server $name did not start:"; sed 's/^/# /' "$LIVE_TOP/$name.log" | tail -5; return 1; }
}
declare -A NATS_STARTS

nats_kill() {
	kill -KILL "${NATS_PID[$1]}" 2>/dev/null
	wait "${NATS_PID[$1]}" 2>/dev/null
	return 0
}

stat_json() {
	"$NEEDLE" stat --json --socket "$1/control" > "$1/stat.json" 2>/dev/null
}

stat_get() {
	python3 -c 'import json,sys; print(int(json.load(open(sys.argv[1])).get(sys.argv[2], -1)))' "$1" "$2" 2>/dev/null || echo -1
}

wait_drained() {
	# A deadline, not a count of tries: each try (needle stat, two
	# python3) takes most of a second on a busy machine.
	local dir=$1 end=$((SECONDS + $2))
	while [ "$SECONDS" -lt "$end" ]; do
		if stat_json "$dir" && [ "$(stat_get "$dir/stat.json" needle_spool_events)" = 0 ] &&
			[ "$(stat_get "$dir/stat.json" needle_nats_pending)" = 0 ]; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

count_stream() {
	local line
	stream_line="nats-count failed"
	messages=-1 stored=-2 distinct=-1 duplicates=-1 key=-1 key_distinct=-1 out_of_order=-1
	line=$("$NATS_COUNT" "$1" "$2" "$3" 2> "$LIVE_TOP/nats-count.err") ||
		{ echo "# nats-count failed: $(tail -3 "$LIVE_TOP/nats-count.err")"; return 1; }
	read -r _ messages _ stored _ distinct _ duplicates _ key _ key_distinct _ out_of_order _ _ \
		_ format _ subject <<< "$line"
	stream_line=$line
}

# start_needle NAME CONF: lib.sh's live_start with the lines every NATS
# test wants (a control socket of its own, no metrics port, a short
# backlog wait).
start_needle() {
	live_start "$1" "metrics_listen =
control_socket = $LIVE_TOP/$1/control
backlog_wait_time = 100
$2"
}

load() { # COUNT_PER_THREAD [RATE]: two threads of failing openat() under the test's rule
	"$LOADGEN" ${2:+--rate "$2"} 2 "$1" "/nonexistent/$LIVE_KEY" >> "$LIVE_TOP/loadgen.out"
}
calls() { awk '$1=="mix"{n += $3} END{print n + 0}' "$LIVE_TOP/loadgen.out"; }
add_rule() { auditctl -a always,exit -F arch=b64 -S openat -F exe="$LOADGEN" -F exit=-ENOENT -k "$LIVE_KEY" >/dev/null; }
del_rule() { auditctl -D -k "$LIVE_KEY" >/dev/null 2>&1; }

wait_spooled() {
	local dir=$1 want=$2 tries=$3
	spooled=0
	for _ in $(seq "$tries"); do
		stat_json "$dir"
		spooled=$(stat_get "$dir/stat.json" needle_spool_events)
		[ "$spooled" -ge "$want" ] && return 0
		sleep 0.1
	done
	return 1
}

nats_tap() {
	echo "TAP version 13"
	echo "1..$1"
	n=0 failed=0
}
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }

run_fails() {
	local name=$1 conf=$2
	mkdir -p "$LIVE_TOP/$name"
	printf '%s\n' "log_dir = $LIVE_TOP/$name/log" "plugin_dir =" "metrics_listen =" \
		"control_socket =" "$conf" > "$LIVE_TOP/$name/needle.conf"
	timeout 20 "$NEEDLE" run --foreground -c "$LIVE_TOP/$name/needle.conf" 2> "$LIVE_TOP/$name/stderr"
}
