#!/usr/bin/env bash
# Live: filter_file in needle run, each check against a count of its own.
# One needle (1 decoder, json+raw), a filter file of four rules, each on a
# key of this test's own, each key on its own copy of a load program
# (audit rules -F exe= that copy):
#   1: drop key=NOISY              needle-loadgen copy, CALLS failing openat
#   2: divert key=DIV              helper-openat copy, DIVN paths
#   3: keep-first-per-process key=FIRST   a shell loop of LOOP processes,
#                                         3 failing openat each
#   4: drop key=RATE rate=100/s burst=100   needle-loadgen copy, CALLS calls
# A multicast reader (mcast_raw.py) keeps the kernel's own stream as RAW.
#  1. drop: needle_filtered_events_total{rule=F:1,action=drop} = the load's
#     own count of calls, and no NOISY event in needle.json or needle.log.
#  2. divert: the DIVN events in needle.filtered.json, none in the logs.
#  3. keep-first: one event per process of the loop (LOOP distinct pids);
#     first = LOOP, the repeats dropped = 2 LOOP.
#  4. rate: RATE events in the log + the rate counter = the load's calls,
#     and the log holds fewer than the calls (the limit did something).
#  5. the account: needle_decoder_events_total{state="filtered"} = the sum
#     of what the loads made minus what the logs hold of them; needle stat
#     shows rule F:1 first with its hits.
#  6. SIGHUP with a bad file: its error said as F:2, the old filters stay
#     (a second NOISY load all dropped, counted); then a good file without
#     the drop: the next NOISY load is written, and the counter of F:1 has
#     not gone back.
#  7. needle decode --eoe --filter F on the multicast RAW of the same run
#     writes the same event ids as needle run (written and diverted) for
#     DIV, FIRST and RATE.
#  8. a bad filter file at start: every error said as FILE:LINE, exit
#     status 2, and the kernel left as it was (no daemon registered, no
#     rule added).
# usage: test-filter.sh NEEDLE LOADGEN HELPER   (TAP)
set -u
NEEDLE=$(readlink -f "$1") loadgen=$(readlink -f "$2") helper=$(readlink -f "$3")
. "$(dirname "$0")/lib.sh"
live_require tap
live_setup "needle-filt-$$"
here=$(dirname "$0")
port=$((20000 + ($$ + 11) % 20000))
calls=${FILTER_CALLS:-5000} divn=200 loop=20

echo "TAP version 13"
echo "1..8"
fail() { echo "not ok $1 - $2"; shift 2; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; exit 1; }
pass() { echo "ok $1 - $2"; }
metrics() { /usr/bin/python3 "$here/check_metrics.py" "http://127.0.0.1:$port/metrics" 2>/dev/null; }
m() { local v; v=$(awk -v k="$1" '$1==k{print $2}' <<< "$samples"); printf '%.0f\n' "${v:-0}"; }
rule() { m "needle_filtered_events_total{action=\"$2\",rule=\"$ff:$1\"}"; }
calls_of() { awk '/ calls \(/{print $1; exit}' "$1"; }
# Events whose SYSCALL record has key K (not a CONFIG_CHANGE naming it):
# distinct ids (JSON) or serials (RAW).
json_ids() { live_key_events "$1" "$2"; }
raw_count() { grep "^type=SYSCALL .*key=\"$1\"" "$2" 2>/dev/null | sed 's/.*audit([0-9.]*:\([0-9]*\)).*/\1/' | sort -u | wc -l; }

k_noisy=$LIVE_KEY-noisy k_div=$LIVE_KEY-div k_first=$LIVE_KEY-first k_rate=$LIVE_KEY-rate
bin=$LIVE_TOP/bin
mkdir -p "$bin"
cp "$loadgen" "$bin/noisy-gen"
cp "$loadgen" "$bin/rate-gen"
cp "$helper" "$bin/div-helper"
cp "$helper" "$bin/first-helper"
ff=$LIVE_TOP/needle.filter
filters="drop key=$k_noisy
divert key=$k_div
keep-first-per-process key=$k_first
drop key=$k_rate rate=100/s burst=100"
printf '%s\n' "$filters" > "$ff"
cp "$ff" "$LIVE_TOP/original.filter"

/usr/bin/python3 "$here/mcast_raw.py" "$LIVE_TOP/mcast.log" "$LIVE_TOP/mcast.ready" 2> "$LIVE_TOP/mcast.err" &
mcast=$!
LIVE_PIDS+=("$mcast")
for _ in $(seq 50); do [ -e "$LIVE_TOP/mcast.ready" ] && break; sleep 0.1; done

live_start run "output = json,raw
decoder_threads = 1
metrics_listen = 127.0.0.1:$port
control_socket = $LIVE_TOP/control
filter_file = $ff" || fail 1 "needle started with filter_file"
pid=$started_pid
log=$LIVE_TOP/run/log
for k in noisy rate; do
	auditctl -a always,exit -F arch=b64 -S openat -F exe="$bin/$k-gen" -F exit=-ENOENT -k "$LIVE_KEY-$k" >/dev/null
done
for k in div first; do
	auditctl -a always,exit -F arch=b64 -S openat -F exe="$bin/$k-helper" -F exit=-ENOENT -k "$LIVE_KEY-$k" >/dev/null
done

"$bin/noisy-gen" 1 "$calls" "/nonexistent/$k_noisy" > "$LIVE_TOP/noisy.out"
"$bin/div-helper" $(seq -f "/nonexistent/$k_div/%g" "$divn")
for _ in $(seq "$loop"); do "$bin/first-helper" /nonexistent/a /nonexistent/b /nonexistent/c; done
"$bin/rate-gen" 1 "$calls" "/nonexistent/$k_rate" > "$LIVE_TOP/rate.out"
live_settle || fail 1 "needle settled after the loads"
samples=$(metrics)

# 1. drop
noisy_calls=$(calls_of "$LIVE_TOP/noisy.out")
dropped=$(rule 1 drop)
in_logs=$(( $(raw_count "$k_noisy" "$log/needle.log") + $(json_ids "$k_noisy" "$log/needle.json" | wc -l) ))
[ "$noisy_calls" = "$calls" ] && [ "$dropped" = "$noisy_calls" ] && [ "$in_logs" = 0 ] ||
	fail 1 "drop: counter = the load's calls, none in the logs" \
		"load: $noisy_calls calls; counter drop: $dropped; in needle.log + needle.json: $in_logs"
pass 1 "drop: $dropped dropped = the load's $noisy_calls calls, none of them in the logs"

# 2. divert
diverted=$(json_ids "$k_div" "$log/needle.filtered.json" | wc -l)
div_in_logs=$(( $(raw_count "$k_div" "$log/needle.log") + $(json_ids "$k_div" "$log/needle.json" | wc -l) ))
div_sink=$(m 'needle_sink_events_total{output="divert"}')
[ "$diverted" = "$divn" ] && [ "$div_in_logs" = 0 ] && [ "$(rule 2 divert)" = "$divn" ] &&
	[ "$div_sink" = "$divn" ] ||
	fail 2 "divert: the events in the divert file, not in the logs" \
		"$divn calls; in needle.filtered.json: $diverted; in the logs: $div_in_logs; counter: $(rule 2 divert)" \
		"needle_sink_events_total{output=divert}: $div_sink"
pass 2 "divert: $diverted events in needle.filtered.json (its output's counter $div_sink), none in the logs"

# 3. keep-first-per-process
first_n=$(raw_count "$k_first" "$log/needle.log")
first_pids=$(grep "^type=SYSCALL .*key=\"$k_first\"" "$log/needle.log" | sed 's/.* pid=\([0-9]*\) .*/\1/' | sort -u | wc -l)
[ "$first_n" = "$loop" ] && [ "$first_pids" = "$loop" ] && [ "$(rule 3 first)" = "$loop" ] &&
	[ "$(rule 3 keep-first-per-process)" = $((2 * loop)) ] ||
	fail 3 "keep-first-per-process: one event per process" \
		"$loop processes of 3 calls; written $first_n events of $first_pids pids;" \
		"counters first $(rule 3 first), repeats $(rule 3 keep-first-per-process)"
pass 3 "keep-first-per-process: $first_n events, one for each of the $loop processes"

# 4. rate
rate_calls=$(calls_of "$LIVE_TOP/rate.out")
rate_written=$(raw_count "$k_rate" "$log/needle.log")
rate_dropped=$(rule 4 rate)
[ "$rate_calls" = "$calls" ] && [ $((rate_written + rate_dropped)) = "$rate_calls" ] &&
	[ "$rate_written" -lt "$rate_calls" ] && [ "$rate_written" -ge 100 ] &&
	[ "$(rule 4 keep)" = "$rate_written" ] ||
	fail 4 "rate: written + counted = the load's calls" \
		"load $rate_calls calls; written $rate_written (counter keep $(rule 4 keep)); rate drops $rate_dropped"
pass 4 "rate: $rate_written written + $rate_dropped dropped past 100/s = $rate_calls calls"

# 5. the account's filtered share, and needle stat
expect=$(( noisy_calls + divn + 2 * loop + rate_calls - rate_written ))
filtered=$(m 'needle_decoder_events_total{state="filtered"}')
"$NEEDLE" stat --socket "$LIVE_TOP/control" > "$LIVE_TOP/stat" 2>&1
top=$(grep -A1 '^filtered' "$LIVE_TOP/stat" | tail -1)
[ "$filtered" = "$expect" ] && grep -q "^filtered  *$expect whole events" "$LIVE_TOP/stat" &&
	grep -q "^sink divert events $divn " "$LIVE_TOP/stat" &&
	[[ "$top" == "rules "*"$ff:1  hits $noisy_calls drop $noisy_calls" ]] ||
	fail 5 "account: filtered = what the loads made minus what the logs hold" \
		"filtered $filtered, expected $expect" "$(cat "$LIVE_TOP/stat")"
pass 5 "account: $filtered events filtered = the loads' calls less the events written; needle stat's top rule is $ff:1"

# 6. SIGHUP: a bad file keeps the old filters, a good one replaces them
printf 'drop key=%s\nerase key=x\n' "$k_noisy" > "$ff"
kill -HUP "$pid"
for _ in $(seq 50); do grep -q "SIGHUP: filter_file $ff not used" "$LIVE_TOP/run/stderr" && break; sleep 0.1; done
"$bin/noisy-gen" 1 300 "/nonexistent/$k_noisy" > "$LIVE_TOP/noisy2.out"
live_settle
dropped2=$(rule 1 drop)
in_logs2=$(( $(raw_count "$k_noisy" "$log/needle.log") ))
grep -q "^needle: SIGHUP: $ff:2: unknown action 'erase'" "$LIVE_TOP/run/stderr" &&
	[ "$dropped2" = $((dropped + $(calls_of "$LIVE_TOP/noisy2.out"))) ] && [ "$in_logs2" = 0 ] ||
	fail 6 "SIGHUP with a bad file keeps the old filters" \
		"drop counter $dropped then $dropped2 (+300 expected); in the log $in_logs2" \
		"$(grep SIGHUP "$LIVE_TOP/run/stderr")"
printf 'keep key=%s\n' "$k_noisy" > "$ff"
kill -HUP "$pid"
for _ in $(seq 50); do grep -q "SIGHUP: filters: 1 rule(s) from $ff now apply" "$LIVE_TOP/run/stderr" && break; sleep 0.1; done
"$bin/noisy-gen" 1 100 "/nonexistent/$k_noisy" > "$LIVE_TOP/noisy3.out"
live_settle
in_logs3=$(raw_count "$k_noisy" "$log/needle.log")
[ "$in_logs3" = 100 ] && [ "$(rule 1 keep)" = 100 ] && [ "$(rule 1 drop)" = "$dropped2" ] ||
	fail 6 "SIGHUP with a good file replaces the filters" \
		"noisy in the log $in_logs3 (100 expected); F:1 keep $(rule 1 keep), drop $(rule 1 drop) (was $dropped2)" \
		"$(grep SIGHUP "$LIVE_TOP/run/stderr")"
pass 6 "SIGHUP: a bad file said at $ff:2 and the old filters kept ($((dropped2 - dropped)) dropped); a good one applied (100 written), counters not reset"

# 7. needle decode --filter on the kernel's stream of the same run
live_stop "$pid"
kill -TERM "$mcast"; wait "$mcast"
overruns=$(awk '/^overruns/{print $2}' "$LIVE_TOP/mcast.err")
"$NEEDLE" decode --eoe --no-names --filter "$LIVE_TOP/original.filter" --divert "$LIVE_TOP/dec-div.json" \
	"$LIVE_TOP/mcast.log" > "$LIVE_TOP/dec.json" 2> "$LIVE_TOP/dec.err" ||
	fail 7 "needle decode --filter ran" "$(cat "$LIVE_TOP/dec.err")"
bad=
for k in "$k_first" "$k_rate"; do
	diff <(json_ids "$k" "$LIVE_TOP/dec.json") <(json_ids "$k" "$log/needle.json") > "$LIVE_TOP/diff.$k" ||
		bad+=" $k($(wc -l < "$LIVE_TOP/diff.$k") lines differ)"
done
diff <(json_ids "$k_div" "$LIVE_TOP/dec-div.json") <(json_ids "$k_div" "$log/needle.filtered.json") > "$LIVE_TOP/diff.div" ||
	bad+=" divert($(wc -l < "$LIVE_TOP/diff.div") lines differ)"
n_rate=$(json_ids "$k_rate" "$LIVE_TOP/dec.json" | wc -l)
[ "$overruns" = 0 ] && [ -z "$bad" ] && [ "$n_rate" = "$rate_written" ] ||
	fail 7 "needle decode --filter on the same run's stream writes the same ids" \
		"multicast reader overruns: $overruns; differences:$bad; rate written by decode $n_rate, by run $rate_written"
pass 7 "needle decode --filter on the multicast RAW of the run: the same $n_rate + $first_n written and $diverted diverted ids"

# 8. a bad file at start
printf 'drop key=%s\nerase key=x\n# fine\ndrop port=99999\n' "$k_noisy" > "$ff"
live_refused_start "$ff"
[ "$status" = 2 ] && grep -q "^needle: $ff:2: unknown action 'erase'" "$LIVE_TOP/bad/stderr" &&
	grep -q "^needle: $ff:4: port=99999" "$LIVE_TOP/bad/stderr" && [ "$before" = "$after" ] &&
	[ ! -e "$LIVE_TOP/bad/log" ] ||
	fail 8 "a bad filter file at start: its errors, exit status 2, the kernel untouched" \
		"status $status" "$(cat "$LIVE_TOP/bad/stderr")" "kernel before: $before" "after: $after"
pass 8 "a bad filter file at start: errors at $ff:2 and :4, exit status 2, the kernel untouched"
