#!/usr/bin/env bash
# Live: redact rules in needle run: a secret on command lines appears
# nowhere on disk, each check against a count of this test's own.
# The filter file is the default one (install/needle.filter) plus one
# divert rule of this test's key. Audit rules: execve of two copies of
# /bin/true of this test's own (-F exe=), each its own key. Programs run:
#   A  needle-true --password=SECRET                  NA times  (argument quoted)
#   B  needle-true -H "Authorization: Bearer SECRET"  NB times  (argument hex: a space)
#   C  needle-div https://u:SECRET@example.org/       NC times  (diverted)
# Each is one event with the secret in EXECVE and in PROCTITLE: two values.
#  1. run 1 (json, raw, enriched, nats with no server: the spool; a plugin
#     writing what it gets; the divert file): the events are there, NA+NB in
#     needle.json and needle.log, NC in needle.filtered.json, their argv
#     with <redacted> where the secret was;
#  2. the secret, plain or hex (upper or lower case), in no file of
#     log_dir (needle.json, needle.log, the enriched log, the divert file,
#     the spool) nor in what the plugin got;
#  3. needle_redacted_values_total = 2 (NA+NB+NC), rule by rule (the
#     password, header and URL lines of the file), and needle stat's total;
#  4. ausearch -i reads needle.log: the NA+NB events, each with <redacted>;
#  5. needle decode --eoe --filter on the kernel's own stream of the run
#     (a multicast reader's RAW): the same argv, event by event, as
#     needle.json and needle.filtered.json;
#  6. run 2 with compress = lz4: the secret in none of its files once
#     decompressed (lz4cat), the events there with <redacted>, its counter
#     2 (NA+NB+NC).
#  7. a bad pattern at start: its line, PCRE2's message and offset, exit
#     status 2, the kernel untouched.
# usage: test-redact.sh NEEDLE FILTER_FILE   (TAP)
set -u
NEEDLE=$(readlink -f "$1") default_filter=$(readlink -f "$2")
. "$(dirname "$0")/lib.sh"
live_require tap
live_setup "needle-redact-$$"
here=$(dirname "$0")
na=${REDACT_NA:-30} nb=${REDACT_NB:-20} nc=${REDACT_NC:-10}
secret=S3cr3tNeedle$$x
secret_hex=$(printf '%s' "$secret" | od -An -tx1 | tr -d ' \n')

echo "TAP version 13"
echo "1..7"
fail() { echo "not ok $1 - $2"; shift 2; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; exit 1; }
pass() { echo "ok $1 - $2"; }
m() { local v; v=$(awk -v k="$1" '$1==k{print $2}' <<< "$samples"); printf '%.0f\n' "${v:-0}"; }
# The line of the default file whose pattern holds TEXT.
line_of() { grep -n -F -- "$1" "$default_filter" | grep ':redact ' | head -1 | cut -d: -f1; }
# Files holding the secret, plain or hex in either case.
leaks() { grep -r -l -a -i -e "$secret" -e "$secret_hex" "$@" 2>/dev/null; }
# The ids and argv of the events of key K in a JSON log.
argvs() { live_key_events "$1" "$2" argv; }

key=$LIVE_KEY key_div=$LIVE_KEY-div
bin=$LIVE_TOP/bin
mkdir -p "$bin"
cp /bin/true "$bin/needle-true"
cp /bin/true "$bin/needle-div"
ff=$LIVE_TOP/needle.filter
cp "$default_filter" "$ff"
printf 'divert key=%s\n' "$key_div" >> "$ff"
l_pass=$(line_of 'api[-_]?key)=') l_auth=$(line_of 'authorization:') l_url=$(line_of '://[^/')
[ -n "$l_pass" ] && [ -n "$l_auth" ] && [ -n "$l_url" ] ||
	fail 1 "the default filter file has its password, header and URL rules" "$(cat "$default_filter")"

load() {
	for _ in $(seq "$na"); do "$bin/needle-true" "--password=$secret"; done
	for _ in $(seq "$nb"); do "$bin/needle-true" -H "Authorization: Bearer $secret"; done
	for _ in $(seq "$nc"); do "$bin/needle-div" "https://u:$secret@example.org/"; done
}
add_rules() {
	auditctl -a always,exit -F arch=b64 -S execve -F exe="$bin/needle-true" -k "$key" >/dev/null &&
		auditctl -a always,exit -F arch=b64 -S execve -F exe="$bin/needle-div" -k "$key_div" >/dev/null
}
del_rules() { auditctl -D -k "$key" >/dev/null 2>&1; auditctl -D -k "$key_div" >/dev/null 2>&1; }
# The page of the needle whose metrics are on $mport (live_settle's).
metrics() { /usr/bin/python3 "$here/check_metrics.py" "http://127.0.0.1:$mport/metrics" 2>/dev/null; }
# The load under the started needle (metrics on PORT); $samples after it. CASE: the case that
# fails when it does not settle.
run_load() {
	mport=$1
	add_rules || fail "$2" "audit rules added"
	load
	del_rules
	live_settle || fail "$2" "needle settled after the load"
}

# ---- run 1: every output in the clear ----
/usr/bin/python3 "$here/mcast_raw.py" "$LIVE_TOP/mcast.log" "$LIVE_TOP/mcast.ready" 2> "$LIVE_TOP/mcast.err" &
mcast=$!
LIVE_PIDS+=("$mcast")
for _ in $(seq 50); do [ -e "$LIVE_TOP/mcast.ready" ] && break; sleep 0.1; done
mkdir -m 0755 "$LIVE_TOP/plugins.d"
printf '#!/bin/sh\ntrap "" HUP\nexec /bin/cat >> %s\n' "$LIVE_TOP/plugin.txt" > "$LIVE_TOP/rec.sh"
chmod 0750 "$LIVE_TOP/rec.sh"
printf '%s\n' "active = yes" "direction = out" "path = $LIVE_TOP/rec.sh" "type = always" \
	"format = string" > "$LIVE_TOP/plugins.d/rec.conf"
chmod 0640 "$LIVE_TOP/plugins.d/rec.conf"
nats_port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
port=$((20000 + ($$ + 17) % 20000))
live_start one "output = json,raw,enriched,nats
nats_url = nats://127.0.0.1:$nats_port
decoder_threads = 1
plugin_dir = $LIVE_TOP/plugins.d
metrics_listen = 127.0.0.1:$port
control_socket = $LIVE_TOP/control
filter_file = $ff" || fail 1 "needle started with the default filter file"
pid=$started_pid
log=$LIVE_TOP/one/log
run_load "$port" 1
"$NEEDLE" stat --socket "$LIVE_TOP/control" > "$LIVE_TOP/stat" 2>&1
live_stop "$pid"
kill -TERM "$mcast"; wait "$mcast"

# 1. the events are there, redacted
in_json=$(argvs "$key" "$log/needle.json" | grep -c -F '<redacted>')
all_json=$(argvs "$key" "$log/needle.json" | wc -l)
in_div=$(argvs "$key_div" "$log/needle.filtered.json" | grep -c -F 'https://u:<redacted>@example.org/')
in_raw=$(grep -c "^type=SYSCALL .*key=\"$key\"" "$log/needle.log")
want_a=$(argvs "$key" "$log/needle.json" | grep -c -F '"--password=<redacted>"')
want_b=$(argvs "$key" "$log/needle.json" | grep -c -F '"Authorization: Bearer <redacted>"')
[ "$all_json" = $((na + nb)) ] && [ "$in_json" = $((na + nb)) ] && [ "$want_a" = "$na" ] &&
	[ "$want_b" = "$nb" ] && [ "$in_div" = "$nc" ] && [ "$in_raw" = $((na + nb)) ] ||
	fail 1 "the events are written, with <redacted> in their argv" \
		"needle.json: $all_json events of key $key ($in_json redacted: $want_a --password, $want_b header); want $((na + nb))" \
		"needle.filtered.json: $in_div (want $nc); needle.log: $in_raw SYSCALL records"
pass 1 "$all_json events in needle.json and needle.log, $in_div in needle.filtered.json, argv redacted ($want_a --password=<redacted>, $want_b Authorization: Bearer <redacted>)"

# 2. the secret nowhere
spool_files=$(find "$log/spool" -type f 2>/dev/null | wc -l)
spooled=$(grep -r -a -c -F '<redacted>' "$log/spool" 2>/dev/null | awk -F: '{s += $NF} END {print s + 0}')
plugin_marks=$(grep -a -c -F '<redacted>' "$LIVE_TOP/plugin.txt" 2>/dev/null || echo 0)
found=$(leaks "$log" "$LIVE_TOP/plugin.txt")
in_mcast=$(leaks "$LIVE_TOP/mcast.log")
[ -z "$found" ] && [ -n "$in_mcast" ] && [ "$spool_files" -gt 0 ] && [ "$spooled" -gt 0 ] &&
	[ "$plugin_marks" -gt 0 ] && [ -e "$log/needle.filtered.json" ] ||
	fail 2 "the secret in no file of log_dir nor in the plugin's input" \
		"files with it: ${found:-none}; the kernel's own stream has it: ${in_mcast:-no}" \
		"spool: $spool_files files, $spooled lines with <redacted>; plugin: $plugin_marks lines with <redacted>" \
		"$(ls -R "$log")"
pass 2 "the secret (plain or hex) is in no file of log_dir ($(find "$log" -type f | wc -l) files, the spool's $spool_files included) nor in the plugin's input; the kernel's own stream had it"

# 3. the counters
total=$(grep '^needle_redacted_values_total{' <<< "$samples" | awk '{s += $2} END {printf "%.0f\n", s}')
c_pass=$(m "needle_redacted_values_total{rule=\"$ff:$l_pass\"}")
c_auth=$(m "needle_redacted_values_total{rule=\"$ff:$l_auth\"}")
c_url=$(m "needle_redacted_values_total{rule=\"$ff:$l_url\"}")
[ "$total" = $((2 * (na + nb + nc))) ] && [ "$c_pass" = $((2 * na)) ] && [ "$c_auth" = $((2 * nb)) ] &&
	[ "$c_url" = $((2 * nc)) ] && grep -q "^redacted  *$total values in command lines" "$LIVE_TOP/stat" ||
	fail 3 "needle_redacted_values_total = 2 values an event, by rule" \
		"total $total, want $((2 * (na + nb + nc))); line $l_pass: $c_pass, $l_auth: $c_auth, $l_url: $c_url" \
		"$(grep redacted "$LIVE_TOP/stat")"
pass 3 "needle_redacted_values_total: $total = 2 x $((na + nb + nc)) events ($c_pass, $c_auth, $c_url by rule); needle stat says $total"

# 4. ausearch reads the redacted RAW log
if command -v ausearch >/dev/null; then
	ausearch -i -k "$key" -if "$log/needle.log" > "$LIVE_TOP/ausearch.out" 2>&1
	# (its CONFIG_CHANGE events, the rule added and deleted, carry the key too)
	a_events=$(grep '^type=SYSCALL .* syscall=execve ' "$LIVE_TOP/ausearch.out" | grep -c -E " key=$key( |\$)")
	a_marked=$(grep '^type=EXECVE' "$LIVE_TOP/ausearch.out" | grep -c -F '<redacted>')
	[ "$a_events" = $((na + nb)) ] && [ "$a_marked" = $((na + nb)) ] && [ -z "$(leaks "$LIVE_TOP/ausearch.out")" ] ||
		fail 4 "ausearch -i reads needle.log" "events $a_events, EXECVE with <redacted> $a_marked" \
			"$(head -20 "$LIVE_TOP/ausearch.out")"
	pass 4 "ausearch -i -k reads needle.log: $a_events events, each EXECVE with <redacted>"
else
	echo "ok 4 - ausearch reads needle.log # SKIP no ausearch"
fi

# 5. needle decode --filter on the kernel's own stream: the same argv
"$NEEDLE" decode --eoe --no-names --filter "$ff" --divert "$LIVE_TOP/dec-div.json" \
	"$LIVE_TOP/mcast.log" > "$LIVE_TOP/dec.json" 2> "$LIVE_TOP/dec.err" ||
	fail 5 "needle decode --filter ran" "$(cat "$LIVE_TOP/dec.err")"
overruns=$(awk '/^overruns/{print $2}' "$LIVE_TOP/mcast.err")
d1=$(diff <(argvs "$key" "$LIVE_TOP/dec.json") <(argvs "$key" "$log/needle.json") | wc -l)
d2=$(diff <(argvs "$key_div" "$LIVE_TOP/dec-div.json") <(argvs "$key_div" "$log/needle.filtered.json") | wc -l)
n_dec=$(argvs "$key" "$LIVE_TOP/dec.json" | wc -l)
[ "$overruns" = 0 ] && [ "$d1" = 0 ] && [ "$d2" = 0 ] && [ "$n_dec" = $((na + nb)) ] ||
	fail 5 "needle decode --filter gives needle run's argv" \
		"overruns $overruns; lines differing: $d1 (written), $d2 (diverted); decode wrote $n_dec"
pass 5 "needle decode --eoe --filter on the kernel's stream: the same argv as needle run for the $n_dec written and $nc diverted events"

# ---- run 2: LZ4 ----
port2=$((port + 1))
live_start two "output = json,raw
compress = lz4
decoder_threads = 1
metrics_listen = 127.0.0.1:$port2
filter_file = $ff" || fail 6 "needle started with compress = lz4"
pid=$started_pid
log2=$LIVE_TOP/two/log
run_load "$port2" 6
live_stop "$pid"
mkdir -p "$LIVE_TOP/plain2"
for f in "$log2"/*; do
	case $f in
	*.lz4) lz4cat "$f" > "$LIVE_TOP/plain2/$(basename "$f" .lz4)" ;;
	*) cp "$f" "$LIVE_TOP/plain2/" ;;
	esac
done
total2=$(grep '^needle_redacted_values_total{' <<< "$samples" | awk '{s += $2} END {printf "%.0f\n", s}')
found=$(leaks "$log2" "$LIVE_TOP/plain2")
n2=$(argvs "$key" "$LIVE_TOP/plain2/needle.json" | grep -c -F '<redacted>')
d2n=$(argvs "$key_div" "$LIVE_TOP/plain2/needle.filtered.json" | grep -c -F '<redacted>')
r2=$(grep '^type=EXECVE' "$LIVE_TOP/plain2/needle.log" | grep -c -F 'password=<redacted>')
[ -z "$found" ] && [ "$n2" = $((na + nb)) ] && [ "$d2n" = "$nc" ] && [ "$r2" = "$na" ] &&
	[ "$total2" = $((2 * (na + nb + nc))) ] && ls "$log2" | grep -q '\.lz4$' ||
	fail 6 "compress = lz4: the secret in no file, decompressed" \
		"files with it: ${found:-none}; needle.json $n2 redacted events, divert $d2n, RAW $r2; counter $total2" \
		"$(ls -l "$log2")"
pass 6 "compress = lz4: the secret in none of $(ls "$log2" | wc -l) files once decompressed; $n2 + $d2n events redacted, counter $total2"

# 7. a bad pattern at start
printf '%s\n' 'redact "--password=(\S+)"' 'redact "a(b"' > "$LIVE_TOP/bad.filter"
live_refused_start "$LIVE_TOP/bad.filter"
[ "$status" = 2 ] && [ "$before" = "$after" ] &&
	grep -q -F "needle: $LIVE_TOP/bad.filter:2: redact \"a(b\": bad pattern: missing closing parenthesis at offset 3" "$LIVE_TOP/bad/stderr" ||
	fail 7 "a bad pattern at start: its line and PCRE2's message, exit status 2, the kernel untouched" \
		"status $status" "$(cat "$LIVE_TOP/bad/stderr")" "kernel before: $before" "after: $after"
pass 7 "a bad pattern at start: $(basename "$LIVE_TOP")/bad.filter:2 with PCRE2's message and offset, exit status 2, the kernel untouched"
