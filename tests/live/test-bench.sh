#!/usr/bin/env bash
# Live: needle-bench live --compare needle,null at small counts. Every run
# must reconcile (here nothing is lost at all under policy wait: generated =
# delivered, no record short, nothing unexplained), and the kernel must be
# as it was afterwards; then a run interrupted with SIGINT must stop its
# daemon and restore the kernel too; then needle-bench record captures a
# load that needle decode --eoe and needle-bench replay --from read back
# whole; then a run that loses on purpose without a counter (the bare drain
# forgets every 10th event of the load) must be shown NOT RECONCILED with
# exactly those events unexplained; then needle against needle-noprocev
# (process_events = no) on an execve-only load: both deliver every event,
# only needle has the proc connector's thread, the printed connector cost
# is the one recomputed from --json, and a --needle-set that turns
# needle's connector off is refused a cost; then needle-nats (needle with
# output json,nats to a nats-server the bench starts): every event of the
# load delivered and in the stream, the server's CPU sampled, the server
# gone afterwards. No speed is asserted.
# usage: test-bench.sh NEEDLE_BENCH NEEDLE   (TAP)
set -u
bench=$1 needle=$2
. "$(dirname "$0")/lib.sh"
live_require tap
live_setup "needle-bench-test-$$"
rules_before=$(auditctl -l)

echo "TAP version 13"
echo "1..6"
fail() { echo "not ok $1 - $2"; shift 2; for l in "$@"; do echo "# $l"; done; exit 1; }

"$bench" live --compare needle,null --threads 2 --calls 2000 --rounds 1 \
	--mix openat=2,connect=1,execve=1 --json "$LIVE_TOP/runs.json" \
	> "$LIVE_TOP/out" 2> "$LIVE_TOP/err"; status=$?
check=$(/usr/bin/python3 - "$LIVE_TOP/runs.json" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
bad = []
for r in runs:
    if r["daemon"] == "baseline":
        continue
    if (r["generated"] != 4000 or r["delivered"] != 4000 or r["short_records"] != 0
            or r["unexplained_min"] != 0 or r["unexplained_max"] != 0 or not r["reconciled"]):
        bad.append(f'{r["daemon"]}: generated {r["generated"]} delivered {r["delivered"]} '
                   f'short {r["short_records"]} kernel lost {r["kernel_lost"]} counted '
                   f'{r["daemon_lost"]} unexplained {r["unexplained_min"]}..{r["unexplained_max"]} '
                   f'reconciled {r["reconciled"]}')
print(f'{len(runs)} runs; ' + ("; ".join(bad) if bad else "all accounted"))
sys.exit(1 if bad or len(runs) != 3 else 0)
PY
); checked=$?
echo "# exit $status: $check"
[ "$status" = 0 ] && [ "$checked" = 0 ] || fail 1 "accounting of needle and null" "$(cat "$LIVE_TOP/err")"
[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] && [ "$(auditctl -l)" = "$rules_before" ] ||
	fail 1 "kernel state unchanged" "$(auditctl -s)" "$(auditctl -l)"
grep -q "NOT RECONCILED" "$LIVE_TOP/out" "$LIVE_TOP/err" && fail 1 "no run marked NOT RECONCILED" "$(cat "$LIVE_TOP/out")"
echo "ok 1 - needle and null: 4000 generated = 4000 delivered, no record short, reconciled; kernel unchanged"

# Interrupted in the middle of needle's run.
"$bench" live --compare needle --calls 200000 --rounds 1 --rate 20000 \
	> "$LIVE_TOP/out2" 2> "$LIVE_TOP/err2" &
bpid=$!
LIVE_PIDS+=("$bpid")
for _ in $(seq 100); do
	[ "$(auditctl -s | awk '$1=="pid"{print $2}')" != 0 ] && break
	sleep 0.1
done
sleep 1
kill -INT "$bpid"; wait "$bpid"; status=$?
holder=$(auditctl -s | awk '$1=="pid"{print $2}')
echo "# interrupted: exit $status, audit pid now $holder"
[ "$status" = 130 ] || fail 2 "interrupted run exits 130" "$(cat "$LIVE_TOP/err2")"
[ "$holder" = 0 ] && [ "$(ks_settings)" = "$SETTINGS_BEFORE" ] && [ "$(auditctl -l)" = "$rules_before" ] ||
	fail 2 "kernel restored after Ctrl-C" "$(auditctl -s)" "$(auditctl -l)"
grep -q "interrupted; the kernel's settings are restored" "$LIVE_TOP/err2" || fail 2 "said so" "$(cat "$LIVE_TOP/err2")"
echo "ok 2 - Ctrl-C: daemon stopped, rules gone, settings restored, exit 130"

# Record a load, then read it back.
"$bench" record --out "$LIVE_TOP/rec.log" --calls 500 --mix openat=1,connect=1,execve=1 \
	> "$LIVE_TOP/out3" 2> "$LIVE_TOP/err3" || fail 3 "needle-bench record ran" "$(cat "$LIVE_TOP/err3")"
stats=$("$needle" decode --eoe --stats -f json "$LIVE_TOP/rec.log" 2>&1 >"$LIVE_TOP/rec.json" |
	grep '^needle decode: stats:')
keyed=$(grep -c '"why":{"keys":\["needle-bench-' "$LIVE_TOP/rec.json")
replayed=$("$bench" replay --from "$LIVE_TOP/rec.log" --rounds 1 2>&1); rstatus=$?
echo "# $(cat "$LIVE_TOP/out3"); $stats; events with the key $keyed; replay exit $rstatus"
grep -q " partial_timeout 0 partial_evicted 0 partial_end 0 " <<< "$stats" && [ "$keyed" = 1000 ] &&
	[ "$rstatus" = 0 ] || fail 3 "the recording decodes whole and replays" "$replayed"
[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] && [ "$(auditctl -l)" = "$rules_before" ] ||
	fail 3 "kernel unchanged after record"
# replay --filter: the events its rule drops are the load's (counted above
# from needle decode's JSON), of all the recording's events; a bad file: 2.
key=$(grep -o '"why":{"keys":\["needle-bench-[^"]*' "$LIVE_TOP/rec.json" | head -1 | sed 's/.*\["//')
all=$(wc -l < "$LIVE_TOP/rec.json")
printf 'drop key=%s\n' "$key" > "$LIVE_TOP/drop.filter"
filtered=$("$bench" replay --from "$LIVE_TOP/rec.log" --rounds 1 --filter "$LIVE_TOP/drop.filter" 2>&1)
echo "# replay --filter (drop key=$key): $(grep '^filter' <<< "$filtered")"
grep -q "^filter .*: $keyed of $all events dropped; .* (not every event dropped: no target)" <<< "$filtered" ||
	fail 3 "replay --filter drops the load's $keyed of $all events" "$filtered"
printf 'drop nonsense=1\n' > "$LIVE_TOP/bad.filter"
"$bench" replay --from "$LIVE_TOP/rec.log" --rounds 1 --filter "$LIVE_TOP/bad.filter" \
	> "$LIVE_TOP/out3b" 2>&1; bstatus=$?
[ "$bstatus" = 2 ] && grep -q "bad.filter:1:" "$LIVE_TOP/out3b" ||
	fail 3 "a bad filter file: exit 2 naming FILE:LINE" "exit $bstatus" "$(cat "$LIVE_TOP/out3b")"
echo "ok 3 - record: 1000 events of the load, decoded whole with --eoe, replayed; replay --filter dropped them, a bad filter file exit 2"

# A loss no counter shows: the bare drain forgets every 10th event of the load.
"$bench" live --compare null --threads 2 --calls 2000 --rounds 1 --test-drain-forgets 10 \
	--mix openat=2,connect=1,execve=1 --json "$LIVE_TOP/forget.json" \
	> "$LIVE_TOP/out4" 2> "$LIVE_TOP/err4"; status=$?
check=$(/usr/bin/python3 - "$LIVE_TOP/forget.json" <<'PY'
import json, sys
r = [r for r in json.load(open(sys.argv[1]))["runs"] if r["daemon"] == "null"][0]
print(f'generated {r["generated"]} delivered {r["delivered"]} kernel lost {r["kernel_lost"]} '
      f'unexplained {r["unexplained_min"]}..{r["unexplained_max"]} reconciled {r["reconciled"]}')
ok = (r["generated"] == 4000 and r["delivered"] == 3600 and r["unexplained_min"] == 400
      and r["unexplained_max"] == 400 and r["reconciled"] is False)
sys.exit(0 if ok else 1)
PY
); checked=$?
echo "# exit $status: $check"
[ "$status" = 0 ] && [ "$checked" = 0 ] || fail 4 "the forgetful drain: 400 events unexplained" "$(cat "$LIVE_TOP/out4" "$LIVE_TOP/err4")"
grep -q "null .*NOT RECONCILED" "$LIVE_TOP/err4" && grep -q "^null .*NOT RECONCILED: at least 400 events" "$LIVE_TOP/out4" ||
	fail 4 "the run and the table say NOT RECONCILED" "$(cat "$LIVE_TOP/out4" "$LIVE_TOP/err4")"
[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] && [ "$(auditctl -l)" = "$rules_before" ] ||
	fail 4 "kernel unchanged"
echo "ok 4 - a drain that forgets 400 of 4000 events: NOT RECONCILED, 400 events unexplained"

# needle against needle-noprocev, each process of the load a fork, an exec
# and an exit: the connector's cost, and its thread seen in needle only.
"$bench" live --compare needle,needle-noprocev --threads 2 --calls 100 --rounds 1 \
	--mix execve=1 --json "$LIVE_TOP/procev.json" > "$LIVE_TOP/out6" 2> "$LIVE_TOP/err6"; status=$?
check=$(/usr/bin/python3 - "$LIVE_TOP/procev.json" "$LIVE_TOP/out6" <<'PY'
import json, re, sys
runs = {r["daemon"]: r for r in json.load(open(sys.argv[1]))["runs"]}
out = open(sys.argv[2]).read()
on, off = runs["needle"], runs["needle-noprocev"]
bad = [f'{r["daemon"]}: generated {r["generated"]} delivered {r["delivered"]}'
       for r in (on, off) if r["generated"] != 200 or r["delivered"] != 200 or not r["reconciled"]]
# needle-procev, and liburcu's call_rcu worker when the connector's thread
# made it (a thread takes its creator's name): 1 or 2; none without it.
if on["connector_threads"] not in (1, 2) or off["connector_threads"] != 0:
    bad.append(f'connector threads: needle {on["connector_threads"]}, '
               f'needle-noprocev {off["connector_threads"]} (want 1 or 2, and 0)')
for r in (on, off):
    if not 0 < r["sampled_cpu_seconds"] or r["connector_cpu_seconds"] > r["sampled_cpu_seconds"]:
        bad.append(f'{r["daemon"]}: CPU from the load {r["sampled_cpu_seconds"]} s, '
                   f'connector {r["connector_cpu_seconds"]} s')
want = 100 * (on["load_us_per_event"] - off["load_us_per_event"]) / on["load_us_per_event"]
m = re.search(r"connector cost from the load's start = (-?[0-9.]+)%", out)
if not m or abs(float(m.group(1)) - want) > 0.06:
    bad.append(f'printed cost {m and m.group(1)}%, from --json {want:.2f}%')
if not re.search(r"target: at most 10% of needle's CPU per event from the load's start: (met|MISSED)", out):
    bad.append("no target line")
for name, value in (("needle", "yes"), ("needle-noprocev", "no")):
    if not re.search(rf"^{name} ran with:\n(.+\n)*process_events = {value}\n", out, re.M):
        bad.append(f"{name} not shown with process_events = {value}")
print(f'cost {m and m.group(1)}% (from --json {want:.2f}%), needle {on["load_us_per_event"]} '
      f'us/event with {on["connector_cpu_seconds"]} of {on["sampled_cpu_seconds"]} s in its '
      f'connector thread, needle-noprocev {off["load_us_per_event"]}; ' + ("; ".join(bad) or "ok"))
sys.exit(1 if bad else 0)
PY
); checked=$?
echo "# exit $status: $check"
[ "$status" = 0 ] && [ "$checked" = 0 ] ||
	fail 5 "needle against needle-noprocev" "$(cat "$LIVE_TOP/out6" "$LIVE_TOP/err6")"
# Told to run needle without its connector, the bench computes no cost.
"$bench" live --compare needle,needle-noprocev --calls 10 --rounds 1 --mix execve=1 \
	--needle-set 'process_events = no' > "$LIVE_TOP/out6b" 2> "$LIVE_TOP/err6b"; status=$?
[ "$status" = 0 ] && grep -q "^  no cost: needle ran with process_events = no" "$LIVE_TOP/out6b" &&
	! grep -q "connector cost =" "$LIVE_TOP/out6b" ||
	fail 5 "no cost when needle's connector is off" "exit $status" "$(cat "$LIVE_TOP/out6b" "$LIVE_TOP/err6b")"
[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] && [ "$(auditctl -l)" = "$rules_before" ] ||
	fail 5 "kernel unchanged"
echo "ok 5 - needle and needle-noprocev: 200 of 200 events each, the connector's thread in needle only, the printed cost is the JSON's; no cost with needle's connector off"

# needle-nats: the stream, read by the bench through libnats, holds the
# load's events (and the few other events of the run: needle's DAEMON_START,
# the rules' CONFIG_CHANGE), counted apart from needle's JSON log.
if ! command -v nats-server >/dev/null; then
	echo "ok 6 - needle-nats # SKIP no nats-server (Debian package nats-server)"
	exit 0
fi
"$bench" live --compare needle-nats --threads 2 --calls 2000 --rounds 1 \
	--json "$LIVE_TOP/nats.json" > "$LIVE_TOP/out5" 2> "$LIVE_TOP/err5"; status=$?
check=$(/usr/bin/python3 - "$LIVE_TOP/nats.json" <<'PY'
import json, sys
r = [r for r in json.load(open(sys.argv[1]))["runs"] if r["daemon"] == "needle-nats"][0]
print(f'generated {r["generated"]} delivered {r["delivered"]} stream {r.get("stream_messages")} '
      f'at {r.get("stream_rate")}/s, nats-server {r.get("server_cpu_seconds")} s '
      f'({r.get("server_us_per_event")} us/event), reconciled {r["reconciled"]}')
ok = (r["generated"] == 4000 and r["delivered"] == 4000 and r["reconciled"]
      and 4000 <= r["stream_messages"] <= 4050 and r["stream_rate"] > 0
      and r["server_cpu_seconds"] > 0)
sys.exit(0 if ok else 1)
PY
); checked=$?
# The bench's server keeps its data in the bench's folder, /tmp/needle-bench-*.
left=$(pgrep -f "^nats-server .*/needle-bench-" | tr '\n' ' ')
echo "# exit $status: $check; bench's nats-server left running: ${left:-none}"
[ "$status" = 0 ] && [ "$checked" = 0 ] ||
	fail 6 "needle-nats: the load's events in the stream" "$(cat "$LIVE_TOP/out5" "$LIVE_TOP/err5")"
grep -q "^needle-nats into the stream: [0-9]* messages for 4000 events of the load delivered;" \
	"$LIVE_TOP/out5" || fail 6 "the table's stream line" "$(cat "$LIVE_TOP/out5")"
[ -z "$left" ] || fail 6 "the bench's nats-server stopped" "$(ps -o pid,args -p ${left// /,})"
[ "$(ks_settings)" = "$SETTINGS_BEFORE" ] && [ "$(auditctl -l)" = "$rules_before" ] ||
	fail 6 "kernel unchanged"
echo "ok 6 - needle-nats: 4000 events delivered, all in the stream, nats-server's CPU sampled and the server stopped"
