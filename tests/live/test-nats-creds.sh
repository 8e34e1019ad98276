#!/usr/bin/env bash
# Live: nats_creds (a NATS credentials file: a user JWT and its NKey seed)
# against a nats-server of the test's own in operator mode (loopback, a
# free port, resolver MEMORY). nats_creds.py makes the operator, the
# accounts and the users without nsc (Debian does not package it).
#   1. needle run with nats_creds = needle.creds (a user that may publish
#      to needle.> and $JS.API.> and subscribe to _INBOX.> only): connected,
#      the stream made, every call of the load in it once, read back by
#      another user of the account (nats-count with reader.creds).
#   2. needle gather --creds reader.creds writes each of those events once,
#      line for line as needle's own JSON log; with the stranger's
#      credentials gather is refused (exit 1).
#   3. credentials the server refuses stop needle at start (exit 1, the
#      server's refusal and nats_creds named, the kernel as before): a user
#      of an account the server's operator never signed, and a seed that is
#      not the JWT's user.
#   4. a nats_creds file that is not there: exit 2 at once, the key and the
#      file named.
#   5. a credentials file without its seed (the server up): needle run and
#      needle gather --creds exit 2 at once, the file named.
# usage: test-nats-creds.sh NEEDLE LOADGEN NATS_COUNT   (TAP; root; one at a time)
set -u
NEEDLE=$1 LOADGEN=$(readlink -f "$2") NATS_COUNT=$3
here=$(dirname "$0")
. "$here/lib.sh"
live_require tap
command -v nats-server >/dev/null || live_skip tap "no nats-server (Debian package nats-server)"
python3 -c 'import cryptography.hazmat.primitives.asymmetric.ed25519' 2>/dev/null ||
	live_skip tap "no python3-cryptography (ed25519 for the NKeys)"
live_setup "needle-nats-creds-$$"
. "$here/nats-lib.sh"

nats_tap 5

creds=$LIVE_TOP/creds
python3 "$here/nats_creds.py" "$creds" || { echo "Bail out! nats_creds.py made no credentials"; exit 1; }
port=$(free_port)
url=nats://127.0.0.1:$port
host=$(uname -n)
started=no
nats_start s1 -a 127.0.0.1 -p "$port" -c "$creds/server.conf" && started=yes

# 1. needle run with nats_creds.
ran=no
if [ "$started" = yes ] && start_needle one "output = json,nats
nats_url = $url
nats_creds = $creds/needle.creds"; then
	pid=$started_pid
	add_rule
	load 100
	del_rule
	wait_drained "$LIVE_TOP/one" 20
	live_stop "$pid"; status=$?
	ran=yes
	c=$(calls)
	NATS_COUNT_CREDS=$creds/reader.creds count_stream "$url" NEEDLE "/nonexistent/$LIVE_KEY"
	detail="calls $c; stream (read as reader): $stream_line; exit $status"
	if [ "$status" = 0 ] && [ "$c" = 200 ] && [ "$key" = "$c" ] && [ "$key_distinct" = "$c" ] &&
		grep -q "nats: connected to $url" "$LIVE_TOP/one/stderr" &&
		grep -q "nats: made stream NEEDLE" "$LIVE_TOP/one/stderr"; then
		ok "nats_creds: connected as a user of the operator's account, all $c calls in the stream once"
		echo "# $detail"
	else
		not_ok "nats_creds: connected, every call in the stream once" "$detail" \
			"$(grep nats "$LIVE_TOP/one/stderr" | tail -5)" "$(grep -E 'ERR|WRN' "$LIVE_TOP/s1.log" | tail -3)"
	fi
else
	not_ok "nats_creds: connected, every call in the stream once" "no server ($started) or no needle"
fi

# 2. needle gather --creds, on the central side.
if [ "$ran" = yes ]; then
	out=$LIVE_TOP/central
	"$NEEDLE" gather --nats "$url" --creds "$creds/reader.creds" --out "$out" 2> "$LIVE_TOP/gather.err" &
	gather=$!
	LIVE_PIDS+=("$gather")
	want=$(wc -l < "$LIVE_TOP/one/log/needle.json")
	for _ in $(seq 200); do
		[ "$(cat "$out/$host.json" 2>/dev/null | wc -l)" -ge "$want" ] && break
		kill -0 "$gather" 2>/dev/null || break
		sleep 0.1
	done
	sleep 0.3 # a repeat, were one written, would show
	kill -TERM "$gather" 2>/dev/null
	wait "$gather"; gstatus=$?
	written=$(grep -c "/nonexistent/$LIVE_KEY" "$out/$host.json" 2>/dev/null)
	total=$(cat "$out/$host.json" 2>/dev/null | wc -l)
	distinct=$(grep -o '^{"id":"[^"]*"' "$out/$host.json" 2>/dev/null | sort -u | wc -l)
	timeout 20 "$NEEDLE" gather --nats "$url" --creds "$creds/stranger.creds" --out "$LIVE_TOP/stranger-out" \
		2> "$LIVE_TOP/gather-stranger.err"
	sstatus=$?
	said=$(grep "refused the credentials" "$LIVE_TOP/gather-stranger.err")
	detail="calls $c; needle's JSON log $want lines; gather: $total lines, $distinct ids, ${written:-0} of the load, exit $gstatus; the stranger's credentials: exit $sstatus, said: ${said:-nothing}"
	if [ "$gstatus" = 0 ] && [ "$written" = "$c" ] && [ "$distinct" = "$total" ] &&
		cmp -s <(sort "$LIVE_TOP/one/log/needle.json") <(sort "$out/$host.json") &&
		[ "$sstatus" = 1 ] && echo "$said" | grep -qi "authorization violation"; then
		ok "gather --creds: each of the $c calls written once, as needle's JSON log has them; a stranger's credentials refused (exit 1)"
		echo "# $detail"
	else
		not_ok "gather --creds: reads the stream with credentials" "$detail" \
			"$(tail -3 "$LIVE_TOP/gather.err")" "$(tail -3 "$LIVE_TOP/gather-stranger.err")"
	fi
else
	not_ok "gather --creds: reads the stream with credentials" "no stream to read (case 1 did not run)"
fi

# 3. Credentials the server refuses: fatal at start.
refused() { # NAME FILE: "exit S, kernel as before: yes|no, said: ..."
	run_fails "$1" "output = json,nats
nats_url = $url
nats_creds = $2"
	local status=$? same=no
	[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] && same=yes
	echo "exit $status, kernel as before: $same, collecting: $(grep -c collecting "$LIVE_TOP/$1/stderr"), said: $(grep "refused needle's credentials" "$LIVE_TOP/$1/stderr")"
}
if [ "$started" = yes ]; then
	want="exit 1, kernel as before: yes, collecting: 0, said: needle: nats: $url refused needle's credentials: Authorization Violation; check nats_user and nats_password, nats_token or nats_creds"
	stranger=$(refused stranger "$creds/stranger.creds")
	mixed=$(refused mixed "$creds/mixed.creds")
	if [ "$stranger" = "$want" ] && [ "$mixed" = "$want" ]; then
		ok "refused credentials stop needle at start (exit 1, nats_creds named): another account's user, a seed not the JWT's"
		echo "# $want"
	else
		not_ok "refused credentials: fatal at start, nats_creds named" "want: $want" \
			"another account's user: $stranger" "a seed not the JWT's user: $mixed"
	fi
else
	not_ok "refused credentials: fatal at start" "no server"
fi

# 4. A credentials file that is not there.
run_fails missing "output = json,nats
nats_url = $url
nats_creds = $LIVE_TOP/no-such.creds"
status=$?
want="nats_creds: '$LIVE_TOP/no-such.creds' cannot be read: No such file or directory"
if [ "$status" = 2 ] && grep -qF "$want" "$LIVE_TOP/missing/stderr" &&
	[ "$(ks_settings)" = "$SETTINGS_BEFORE" ]; then
	ok "a nats_creds file missing: exit 2, named ($want)"
else
	not_ok "a nats_creds file missing: exit 2, named" "exit $status" "$(cat "$LIVE_TOP/missing/stderr")"
fi
# libnats reads the file only as it connects, and says a missing seed as
# it says a server that does not answer: checked with the configuration.
grep -v "NKEY SEED\|^S" "$creds/needle.creds" > "$LIVE_TOP/no-seed.creds"
run_fails noseed "output = json,nats
nats_url = $url
nats_creds = $LIVE_TOP/no-seed.creds"
status=$?
timeout 20 "$NEEDLE" gather --nats "$url" --creds "$LIVE_TOP/no-seed.creds" --out "$LIVE_TOP/noseed-out" \
	2> "$LIVE_TOP/gather-noseed.err"
gstatus=$?
want="nats_creds: '$LIVE_TOP/no-seed.creds' holds no NKey seed"
gwant="needle gather: --creds '$LIVE_TOP/no-seed.creds' holds no NKey seed"
if [ "$status" = 2 ] && grep -qF "$want" "$LIVE_TOP/noseed/stderr" && [ "$gstatus" = 2 ] &&
	grep -qF "$gwant" "$LIVE_TOP/gather-noseed.err" && [ "$(ks_settings)" = "$SETTINGS_BEFORE" ]; then
	ok "a credentials file without its seed: needle run and gather exit 2, named ($want)"
else
	not_ok "a credentials file without its seed: exit 2, named" "needle run: exit $status" \
		"$(head -3 "$LIVE_TOP/noseed/stderr")" "gather: exit $gstatus" \
		"$(cat "$LIVE_TOP/gather-noseed.err")"
fi
nats_kill s1
[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] || { echo "# kernel state changed: $(ks_settings)"; failed=$((failed + 1)); }
[ "$failed" = 0 ]
