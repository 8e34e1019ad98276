#!/usr/bin/env bash
# Live: output = nats, settings good and bad, each against a nats-server
# of the test's own (loopback, a free port):
#   1. nothing listens at nats_url when needle starts: not fatal; needle
#      warns, collects, spools (needle_spool_events), and once a server
#      comes up there every call of the load is in the stream once.
#   2. a server that wants a user and password: the wrong password stops
#      needle at start (exit 1, the server's refusal named, the kernel as
#      before), the right one connects; so does a token (nats_token).
#   3. a TLS file that is not there: exit 2 at once, the key and the file
#      named.
#   4. TLS (openssl makes a CA and the server's certificate): with the CA
#      in nats_tls_ca every call reaches the stream over tls:// (read back
#      over TLS); with another CA needle stops at start, exit 1, TLS named.
#   5. a server that asks for a client certificate: with nats_tls_cert and
#      nats_tls_key every call reaches the stream; without, needle is not
#      connected and warns (the server only drops the connection: not
#      fatal, as an unreachable server is not).
# usage: test-nats-settings.sh NEEDLE LOADGEN NATS_COUNT   (TAP; root; one at a time)
set -u
NEEDLE=$1 LOADGEN=$(readlink -f "$2") NATS_COUNT=$3
here=$(dirname "$0")
. "$here/lib.sh"
live_require tap
command -v nats-server >/dev/null || live_skip tap "no nats-server (Debian package nats-server)"
live_setup "needle-nats-set-$$"
. "$here/nats-lib.sh"

nats_tap 5

# 1. Nothing at nats_url at start.
port=$(free_port)
url=nats://127.0.0.1:$port
if start_needle one "output = json,nats
nats_url = $url"; then
	pid=$started_pid
	add_rule
	load 100
	del_rule
	wait_spooled "$LIVE_TOP/one" 200 30
	up=$(stat_get "$LIVE_TOP/one/stat.json" "needle_nats_connected{server=\"$url\"}")
	nats_start s1 -a 127.0.0.1 -p "$port"
	wait_drained "$LIVE_TOP/one" 20
	live_stop "$pid"; status=$?
	c=$(calls)
	count_stream "$url" NEEDLE "/nonexistent/$LIVE_KEY"
	detail="calls $c; $spooled spooled while nothing listened (connected: $up); stream: $stream_line; exit $status"
	if [ "$status" = 0 ] && [ "$c" = 200 ] && [ "$spooled" -ge "$c" ] && [ "$up" = 0 ] &&
		[ "$key" = "$c" ] && [ "$key_distinct" = "$c" ] &&
		grep -q "nats: warning: cannot reach $url (.*): events go to the spool .* until a server answers; needle keeps trying" "$LIVE_TOP/one/stderr" &&
		grep -q "nats: connected to $url" "$LIVE_TOP/one/stderr"; then
		ok "nothing at nats_url at start: warned, $spooled spooled, then all $c calls in the stream once"
		echo "# $detail"
	else
		not_ok "nothing at nats_url at start: not fatal, spooled, then sent" "$detail" \
			"$(grep nats "$LIVE_TOP/one/stderr" | tail -5)"
	fi
	nats_kill s1
else
	not_ok "nothing at nats_url at start: not fatal" "needle did not start"
fi
: > "$LIVE_TOP/loadgen.out"

# 2. A user and password.
port=$(free_port)
url=nats://127.0.0.1:$port
printf 'authorization { user: needle, password: "right-one" }\n' > "$LIVE_TOP/auth.conf"
if nats_start s2 -a 127.0.0.1 -p "$port" -c "$LIVE_TOP/auth.conf"; then
	run_fails wrong "output = json,nats
nats_url = $url
nats_user = needle
nats_password = wrong-one"
	status=$?
	wrong=$(grep "refused needle's credentials" "$LIVE_TOP/wrong/stderr")
	same=no
	[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] && same=yes
	good=no
	if start_needle right "output = json,nats
nats_url = $url
nats_user = needle
nats_password = right-one"; then
		grep -q "nats: connected to $url" "$LIVE_TOP/right/stderr" && good=yes
		live_stop "$started_pid"
	fi
	nats_kill s2
	# A token instead.
	printf 'authorization { token: "t0ken-of-the-test" }\n' > "$LIVE_TOP/token.conf"
	token=no
	if nats_start s2t -a 127.0.0.1 -p "$port" -c "$LIVE_TOP/token.conf" &&
		start_needle token "output = json,nats
nats_url = $url
nats_token = t0ken-of-the-test"; then
		grep -q "nats: connected to $url" "$LIVE_TOP/token/stderr" && token=yes
		live_stop "$started_pid"
	fi
	nats_kill s2t
	detail="wrong password: exit $status, kernel as before: $same; said: ${wrong:-nothing}; right password connected: $good; a token connected: $token"
	if [ "$status" = 1 ] && [ "$same" = yes ] && [ "$good" = yes ] && [ "$token" = yes ] &&
		echo "$wrong" | grep -qi "authorization violation" &&
		! grep -q "collecting" "$LIVE_TOP/wrong/stderr"; then
		ok "wrong password: needle stops at start (exit 1), the server's refusal named; the right one connects, and a token"
		echo "# $detail"
	else
		not_ok "wrong password: fatal at start with a clear message" "$detail" \
			"$(tail -5 "$LIVE_TOP/wrong/stderr")"
	fi
	nats_kill s2
else
	not_ok "wrong password: fatal at start" "no server"
fi

# 3. A TLS file that is not there.
run_fails missing "output = json,nats
nats_url = tls://127.0.0.1:$(free_port)
nats_tls_ca = $LIVE_TOP/no-such-ca.pem"
status=$?
want="nats_tls_ca: '$LIVE_TOP/no-such-ca.pem' cannot be read: No such file or directory"
if [ "$status" = 2 ] && grep -qF "$want" "$LIVE_TOP/missing/stderr" &&
	[ "$(ks_settings)" = "$SETTINGS_BEFORE" ]; then
	ok "a TLS file missing: exit 2, named ($want)"
else
	not_ok "a TLS file missing: exit 2, named" "exit $status" "$(cat "$LIVE_TOP/missing/stderr")"
fi

# 4. TLS: a CA of the test's own, the server's certificate for 127.0.0.1.
t=$LIVE_TOP/tls
mkdir -p "$t"
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
if command -v openssl >/dev/null &&
	openssl req -x509 $ec -keyout "$t/ca.key" -out "$t/ca.pem" -days 1 -subj /CN=needle-test-ca 2>/dev/null &&
	openssl req -x509 $ec -keyout "$t/other.key" -out "$t/other.pem" -days 1 -subj /CN=other-ca 2>/dev/null &&
	openssl req $ec -keyout "$t/server.key" -out "$t/server.csr" -subj /CN=127.0.0.1 2>/dev/null &&
	printf 'subjectAltName=IP:127.0.0.1\n' > "$t/ext.cnf" &&
	openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial \
		-out "$t/server.pem" -days 1 -extfile "$t/ext.cnf" 2>/dev/null; then
	port=$(free_port)
	url=tls://127.0.0.1:$port
	printf 'tls { cert_file: "%s", key_file: "%s" }\n' "$t/server.pem" "$t/server.key" > "$t/nats.conf"
	: > "$LIVE_TOP/loadgen.out"
	if nats_start s4 -a 127.0.0.1 -p "$port" -c "$t/nats.conf" &&
		start_needle tls "output = json,nats
nats_url = $url
nats_tls_ca = $t/ca.pem"; then
		pid=$started_pid
		add_rule
		load 100
		del_rule
		wait_drained "$LIVE_TOP/tls" 20
		live_stop "$pid"; status=$?
		c=$(calls)
		NATS_COUNT_CA=$t/ca.pem count_stream "$url" NEEDLE "/nonexistent/$LIVE_KEY"
		run_fails othertls "output = json,nats
nats_url = $url
nats_tls_ca = $t/other.pem"
		other=$?
		said=$(grep "TLS with" "$LIVE_TOP/othertls/stderr")
		detail="calls $c; stream over TLS: $stream_line; exit $status; another CA: exit $other, said: ${said:-nothing}"
		if [ "$status" = 0 ] && [ "$c" = 200 ] && [ "$key" = "$c" ] && [ "$key_distinct" = "$c" ] &&
			[ "$other" = 1 ] && [ -n "$said" ] &&
			[ "$(ks_settings)" = "$SETTINGS_BEFORE" ]; then
			ok "TLS: all $c calls in the stream over tls:// with nats_tls_ca; another CA stops needle at start (exit 1)"
			echo "# $detail"
		else
			not_ok "TLS: the stream over tls://, a wrong CA refused" "$detail" \
				"$(grep nats "$LIVE_TOP/tls/stderr" | tail -3)" "$(tail -3 "$LIVE_TOP/othertls/stderr")"
		fi
	else
		not_ok "TLS: the stream over tls://" "no server or no needle"
	fi
	nats_kill s4
else
	not_ok "TLS: the stream over tls://" "openssl could not make the certificates"
fi

# 5. A server that asks for a client certificate (verify): this host's,
# signed by the test's CA, in nats_tls_cert and nats_tls_key.
if [ -f "$t/ca.key" ] &&
	openssl req $ec -keyout "$t/client.key" -out "$t/client.csr" -subj /CN=needle-host 2>/dev/null &&
	openssl x509 -req -in "$t/client.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial \
		-out "$t/client.pem" -days 1 2>/dev/null; then
	port=$(free_port)
	url=tls://127.0.0.1:$port
	printf 'tls { cert_file: "%s", key_file: "%s", ca_file: "%s", verify: true }\n' \
		"$t/server.pem" "$t/server.key" "$t/ca.pem" > "$t/verify.conf"
	: > "$LIVE_TOP/loadgen.out"
	if nats_start s5 -a 127.0.0.1 -p "$port" -c "$t/verify.conf" &&
		start_needle client "output = json,nats
nats_url = $url
nats_tls_ca = $t/ca.pem
nats_tls_cert = $t/client.pem
nats_tls_key = $t/client.key"; then
		pid=$started_pid
		add_rule
		load 100
		del_rule
		wait_drained "$LIVE_TOP/client" 20
		live_stop "$pid"; status=$?
		c=$(calls)
		NATS_COUNT_CA=$t/ca.pem NATS_COUNT_CERT=$t/client.pem NATS_COUNT_KEY=$t/client.key \
			count_stream "$url" NEEDLE "/nonexistent/$LIVE_KEY"
		# Without the certificate the server drops the connection after
		# the handshake: libnats cannot tell that from a server going
		# away, so needle warns, spools and keeps trying.
		up=-1
		if start_needle nocert "output = json,nats
nats_url = $url
nats_tls_ca = $t/ca.pem"; then
			sleep 1
			stat_json "$LIVE_TOP/nocert"
			up=$(stat_get "$LIVE_TOP/nocert/stat.json" "needle_nats_connected{server=\"$url\"}")
			live_stop "$started_pid"
		fi
		said=$(grep "nats: warning: cannot reach" "$LIVE_TOP/nocert/stderr" | head -1)
		detail="calls $c; stream: $stream_line; exit $status; without a certificate: connected $up, said: ${said:-nothing}"
		if [ "$status" = 0 ] && [ "$c" = 200 ] && [ "$key" = "$c" ] && [ "$key_distinct" = "$c" ] &&
			grep -q "nats: connected to $url" "$LIVE_TOP/client/stderr" &&
			[ "$up" = 0 ] && [ -n "$said" ]; then
			ok "a client certificate: with nats_tls_cert and nats_tls_key all $c calls in the stream; without one not connected, warned"
			echo "# $detail"
		else
			not_ok "a client certificate: taken; without one, refused" "$detail" \
				"$(grep nats "$LIVE_TOP/client/stderr" | tail -3)" "$(tail -3 "$LIVE_TOP/nocert/stderr")"
		fi
	else
		not_ok "a client certificate" "no server or no needle"
	fi
	nats_kill s5
else
	not_ok "a client certificate" "openssl could not make the certificates"
fi
[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] || { echo "# kernel state changed: $(ks_settings)"; failed=$((failed + 1)); }
[ "$failed" = 0 ]
