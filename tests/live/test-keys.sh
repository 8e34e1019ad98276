#!/usr/bin/env bash
# Live: events and bytes by audit rule key (needle_key_events_total,
# needle_key_bytes_total, needle stat's table of keys), each against a
# count of its own. One needle (2 decoders, json+raw), three keys of this
# test's own, each on copies of needle-loadgen (audit rules -F exe= the
# copy, failing openat):
#   HEAVY  heavy-gen, HEAVY_CALLS calls, written
#   LIGHT  light-a, A calls, written; light-b, B calls, dropped by the
#          filter rule "drop key=LIGHT exe=*/light-b" (partly filtered)
#   ODD    odd-gen, ODD_CALLS calls; its key holds a space, a quote and a
#          backslash (the kernel writes it in hex; the label escapes it)
#  1. events: written and filtered per key = the loads' own counts of
#     calls, plus the key's CONFIG_CHANGE events (auditctl adding the rule,
#     counted from needle.json); the page parses (prometheus_client) and
#     the odd key's label reads back as the key itself.
#  2. bytes: needle_key_bytes_total = the size of the key's events' lines
#     in needle.json and needle.log (RAW), counted by this script.
#  3. needle stat lists HEAVY first among the keys, LIGHT after it with
#     its filtered share.
# usage: test-keys.sh NEEDLE LOADGEN   (TAP; root; one at a time)
set -u
NEEDLE=$(readlink -f "$1") loadgen=$(readlink -f "$2")
. "$(dirname "$0")/lib.sh"
live_require tap
live_setup "needle-keys-$$"
here=$(dirname "$0")
port=$((20000 + ($$ + 17) % 20000))
heavy_calls=${KEYS_HEAVY_CALLS:-6000} a_calls=2000 b_calls=1000 odd_calls=300

echo "TAP version 13"
echo "1..3"
fail() { echo "not ok $1 - $2"; shift 2; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; exit 1; }
pass() { echo "ok $1 - $2"; }
metrics() { /usr/bin/python3 "$here/check_metrics.py" "http://127.0.0.1:$port/metrics" 2>"$LIVE_TOP/metrics.err"; }
calls_of() { awk '/ calls \(/{print $1; exit}' "$1"; }

k_heavy=$LIVE_KEY-heavy k_light=$LIVE_KEY-light k_odd="$LIVE_KEY o\"d\\d"
del_rules() { for k in "$k_heavy" "$k_light" "$k_odd"; do auditctl -D -k "$k" >/dev/null 2>&1; done; }
trap 'del_rules; live_cleanup' EXIT
# The value of a sample as check_metrics.py prints it (labels sorted,
# unescaped by prometheus_client's parser).
m() { local v; v=$(K="$1" /usr/bin/python3 -c '
import os, sys
want = os.environ["K"]
for line in sys.stdin:
    name, _, value = line.rstrip("\n").rpartition(" ")
    if name == want:
        print(value)' <<< "$samples"); printf '%.0f\n' "${v:-0}"; }
events() { m "needle_key_events_total{key=\"$1\",state=\"$2\"}"; }

bin=$LIVE_TOP/bin
mkdir -p "$bin"
for c in heavy-gen light-a light-b odd-gen; do cp "$loadgen" "$bin/$c"; done
ff=$LIVE_TOP/needle.filter
printf 'drop key=%s exe=*/light-b\n' "$k_light" > "$ff"

live_start run "output = json,raw
decoder_threads = 2
metrics_listen = 127.0.0.1:$port
control_socket = $LIVE_TOP/control
filter_file = $ff" || fail 1 "needle started"
pid=$started_pid
log=$LIVE_TOP/run/log
rule() { auditctl -a always,exit -F arch=b64 -S openat -F exe="$bin/$1" -F exit=-ENOENT -k "$2" >/dev/null; }
rule heavy-gen "$k_heavy" && rule light-a "$k_light" && rule light-b "$k_light" &&
	rule odd-gen "$k_odd" || fail 1 "audit rules added" "$(auditctl -l)"

"$bin/heavy-gen" 1 "$heavy_calls" /nonexistent/heavy > "$LIVE_TOP/heavy.out"
"$bin/light-a" 1 "$a_calls" /nonexistent/light-a > "$LIVE_TOP/a.out"
"$bin/light-b" 1 "$b_calls" /nonexistent/light-b > "$LIVE_TOP/b.out"
"$bin/odd-gen" 1 "$odd_calls" /nonexistent/odd > "$LIVE_TOP/odd.out"
live_settle || fail 1 "needle settled after the loads"
samples=$(metrics) || fail 1 "the metrics page parses" "$(cat "$LIVE_TOP/metrics.err")"

# Per key, from needle.json: events whose first key it is (why.keys[0]),
# of them the SYSCALL events (the load's) and the rest (CONFIG_CHANGE), and
# the bytes of their lines in needle.json and needle.log.
count() {
	/usr/bin/python3 - "$1" "$log/needle.json" "$log/needle.log" <<'EOF'
import json, re, sys
key, jpath, rpath = sys.argv[1], sys.argv[2], sys.argv[3]
serials, syscalls, jbytes = set(), 0, 0
with open(jpath, "rb") as f:
    for line in f:
        e = json.loads(line)
        keys = e.get("why", {}).get("keys") or []
        if keys and keys[0] == key:
            serials.add(e["serial"])
            jbytes += len(line)
            syscalls += "SYSCALL" in e.get("records", {})
rbytes = 0
stamp = re.compile(rb"audit\([0-9.]+:([0-9]+)\)")
with open(rpath, "rb") as f:
    for line in f:
        m = stamp.search(line)
        if m and int(m.group(1)) in serials:
            rbytes += len(line)
print(len(serials), syscalls, len(serials) - syscalls, jbytes + rbytes)
EOF
}
read -r heavy_n heavy_sys heavy_conf heavy_bytes <<< "$(count "$k_heavy")"
read -r light_n light_sys light_conf light_bytes <<< "$(count "$k_light")"
read -r odd_n odd_sys odd_conf odd_bytes <<< "$(count "$k_odd")"
hc=$(calls_of "$LIVE_TOP/heavy.out") ac=$(calls_of "$LIVE_TOP/a.out") bc=$(calls_of "$LIVE_TOP/b.out")
oc=$(calls_of "$LIVE_TOP/odd.out")

# 1. events per key
got="heavy $(events "$k_heavy" written)/$(events "$k_heavy" filtered)"
got+=" light $(events "$k_light" written)/$(events "$k_light" filtered)"
got+=" odd $(events "$k_odd" written)/$(events "$k_odd" filtered)"
want="heavy $((hc + heavy_conf))/0 light $((ac + light_conf))/$bc odd $((oc + odd_conf))/0"
[ "$hc" = "$heavy_calls" ] && [ "$ac" = "$a_calls" ] && [ "$bc" = "$b_calls" ] &&
	[ "$oc" = "$odd_calls" ] && [ "$heavy_sys" = "$hc" ] && [ "$light_sys" = "$ac" ] &&
	[ "$odd_sys" = "$oc" ] && [ "$got" = "$want" ] ||
	fail 1 "events per key = the loads' calls (+ the rules' CONFIG_CHANGE)" \
		"loads: heavy $hc, light-a $ac, light-b $bc, odd $oc" \
		"needle.json: heavy $heavy_sys+$heavy_conf, light $light_sys+$light_conf, odd $odd_sys+$odd_conf" \
		"metrics (written/filtered): $got" "expected:                   $want" \
		"$(grep needle_key_ <<< "$samples")"
pass 1 "events per key, written/filtered: $got (loads' calls + $heavy_conf, $light_conf, $odd_conf CONFIG_CHANGE)"

# 2. bytes per key
got="$(m "needle_key_bytes_total{key=\"$k_heavy\"}") $(m "needle_key_bytes_total{key=\"$k_light\"}")"
got+=" $(m "needle_key_bytes_total{key=\"$k_odd\"}")"
want="$heavy_bytes $light_bytes $odd_bytes"
[ "$got" = "$want" ] && [ "$heavy_bytes" -gt 0 ] ||
	fail 2 "bytes per key = its events' lines in needle.json and needle.log" \
		"metrics: $got" "the logs: $want"
pass 2 "bytes per key = the size of its events' lines in needle.json + needle.log: $got"

# 3. needle stat: the heavier key first
"$NEEDLE" stat --socket "$LIVE_TOP/control" > "$LIVE_TOP/stat" 2>&1
rows=$(sed -n '/^keys /,/^[^ ]/p' "$LIVE_TOP/stat" | grep '^  .*  '"$LIVE_KEY")
first=$(head -1 <<< "$rows")
light_row=$(grep -F "  $k_light" <<< "$rows")
share=$(awk -v b="$bc" -v n="$((ac + light_conf + bc))" 'BEGIN{printf "%.1f%%", 100 * b / n}')
[[ "$first" == *"  $k_heavy" ]] && [[ "$light_row" == *" $share "* ]] ||
	fail 3 "needle stat lists the heavier key first, the light one with its filtered share" \
		"first row: $first" "light: $light_row (share $share expected)" "$(cat "$LIVE_TOP/stat")"
pass 3 "needle stat: $k_heavy first; $k_light filtered $share"
