#!/usr/bin/env bash
# Live: the filter matches that read the process context (ancestor=,
# container=, runtime=) in needle run, each against a count of the test's
# own. One needle (json+raw), an execve rule on a login uid of the test's
# own, a filter file of two rules:
#   1: divert container=CID runtime=docker
#        a shell copy (ctr-sh) in a cgroup named like docker's container CID
#        runs a copy of true (ctr-true) N times
#   2: drop ancestor=BIN/anc-sh exe=BIN/anc-true
#        a shell copy (anc-sh) outside it runs a copy of true (anc-true) N
#        times, then sleep (a child of anc-sh that no rule matches)
#  1. container: the N ctr-true events in needle.filtered.json, every
#     event there with the container's id, none in needle.json with it;
#     rule 1's divert counter = the events in the divert file.
#  2. ancestor: rule 2's drop counter = N, no anc-true event in the logs,
#     and the sleep that anc-sh ran is written with anc-sh among its
#     ancestors (the rule's other match kept it).
#  3. needle exited 0, the kernel as it was, the cgroup removed.
# usage: test-filter-context.sh NEEDLE   (TAP)
set -u
NEEDLE=$(readlink -f "$1")
. "$(dirname "$0")/lib.sh"
live_require tap
live_setup "needle-fctx-$$"
here=$(dirname "$0")
port=$((20000 + ($$ + 29) % 20000))
n=${FILTER_CONTEXT_RUNS:-50}
login=$((430000 + $$ % 10000)) # a login uid nobody else has
cid=$(printf '%s' "$LIVE_KEY" | sha256sum | cut -c1-64)

echo "TAP version 13"
echo "1..3"
failures=0
fail() { echo "not ok $1 - $2"; shift 2; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; failures=$((failures + 1)); }
pass() { echo "ok $1 - $2"; }
metrics() { /usr/bin/python3 "$here/check_metrics.py" "http://127.0.0.1:$port/metrics" 2>/dev/null; }
m() { local v; v=$(awk -v k="$1" '$1==k{print $2}' <<< "$samples"); printf '%.0f\n' "${v:-0}"; }
rule() { m "needle_filtered_events_total{action=\"$2\",rule=\"$ff:$1\"}"; }

bin=$(readlink -f "$LIVE_TOP")/bin
mkdir -p "$bin"
cp "$(readlink -f /bin/sh)" "$bin/ctr-sh"
cp "$(readlink -f /bin/sh)" "$bin/anc-sh"
cp "$(readlink -f /bin/true)" "$bin/ctr-true"
cp "$(readlink -f /bin/true)" "$bin/anc-true"
chmod 755 "$LIVE_TOP" "$bin"
ff=$LIVE_TOP/needle.filter
printf '%s\n' "divert container=$cid runtime=docker" "drop ancestor=$bin/anc-sh exe=$bin/anc-true" > "$ff"

trap 'live_remove_cgroup; live_cleanup' EXIT
live_docker_cgroup "$cid"

live_start run "output = json,raw
metrics_listen = 127.0.0.1:$port
control_socket =
filter_file = $ff" || { echo "Bail out! needle did not start"; exit 1; }
pid=$started_pid
log=$LIVE_TOP/run/log
auditctl -a always,exit -F arch=b64 -S execve -F auid=$login -k "$LIVE_KEY" >/dev/null

# Each loop's shell outlives its children by 2 s, so needle finds it, and
# through it the container or the ancestor, while it decodes their events.
loop="i=0; while [ \$i -lt $n ]; do \"\$0\"; i=\$((i + 1)); done; sleep 2"
/bin/sh -c "echo $login > /proc/self/loginuid && echo \$\$ > $cg/cgroup.procs &&
	exec $bin/ctr-sh -c '$loop' $bin/ctr-true"
/bin/sh -c "echo $login > /proc/self/loginuid && exec $bin/anc-sh -c '$loop' $bin/anc-true"
live_settle || fail 1 "needle settled after the loads"
auditctl -D -k "$LIVE_KEY" >/dev/null
samples=$(metrics)
live_stop "$pid"; status=$?
live_remove_cgroup

/usr/bin/python3 - "$log" "$LIVE_KEY" "$bin" "$cid" "$n" "$(rule 1 divert)" "$(rule 2 drop)" <<'PY'
import json, os, re, sys
log, key, bin_, cid, n, divert_counter, drop_counter = sys.argv[1:]
n, divert_counter, drop_counter = int(n), int(divert_counter), int(drop_counter)

def ours(path):
    if not os.path.exists(path):
        return []
    events = [json.loads(l) for l in open(path, encoding="utf-8")]
    return [e for e in events if key in (e.get("why", {}).get("keys") or [])]

main, div = ours(f"{log}/needle.json"), ours(f"{log}/needle.filtered.json")
raw = open(f"{log}/needle.log", encoding="utf-8").read()
exe = lambda e: e.get("how", {}).get("exe")
cont = lambda e: (e.get("where", {}).get("container") or {}).get("id")
failed = 0
def check(i, ok, what, detail):
    global failed
    print(("ok" if ok else "not ok") + f" {i} - {what}")
    if not ok:
        failed += 1
        print("# " + json.dumps(detail)[:3000])

ctr_div = [e for e in div if exe(e) == f"{bin_}/ctr-true"]
ctr_main = [e for e in main if exe(e) == f"{bin_}/ctr-true"]
in_main = [e for e in main if cont(e) == cid]
every = [json.loads(l) for l in open(f"{log}/needle.filtered.json", encoding="utf-8")]
# Every ctr-true is placed in the container: read from /proc while it runs,
# or, exited before needle read it (or exiting: a zombie's /proc shows the
# root cgroup), given its parent's container, which exec does not change.
ok = len(ctr_div) == n and not ctr_main and all(cont(e) == cid for e in every) \
    and not in_main and divert_counter == len({e["id"] for e in every})
check(1, ok, f"container: {len(ctr_div)} of {n} ctr-true events diverted, every event in the "
      f"divert file names the container, none in the logs does; counter {divert_counter} = "
      f"the divert file's events",
      {"diverted": len(ctr_div), "written": len(ctr_main), "in divert file": len(div),
       "counter": divert_counter, "other diverted": [l[:600] for l in open(f"{log}/needle.filtered.json") if key not in l][:3],
       "in needle.json": [e["id"] for e in in_main[:3]],
       "written ctr-true": [(e["id"], e.get("where")) for e in ctr_main[:3]]})

anc_main = [e for e in main if exe(e) == f"{bin_}/anc-true"]
ancestors = lambda e: [a.get("exe") for a in (e.get("where", {}).get("ancestors") or [])]
sleeps = [e for e in main if (e.get("how", {}).get("argv") or [""])[0] == "sleep"
          and f"{bin_}/anc-sh" in ancestors(e)]
ok = drop_counter == n and not anc_main and f'exe="{bin_}/anc-true"' not in raw and len(sleeps) == 1
check(2, ok, f"ancestor: {drop_counter} dropped of {n} runs, none in the logs; anc-sh's sleep "
      f"written with anc-sh among its ancestors",
      {"counter": drop_counter, "in needle.json": len(anc_main), "sleeps": len(sleeps),
       "other events": [(exe(e), ancestors(e)) for e in main][:10]})
sys.exit(1 if failed else 0)
PY
[ $? = 0 ] || failures=$((failures + 1))
if [ "$status" = 0 ] && [ "$(ks_settings)" = "$SETTINGS_BEFORE" ] && [ ! -e "$cg_top" ]; then
	pass 3 "needle exited 0, kernel state restored, test cgroup removed"
else
	fail 3 "needle exited 0 ($status), kernel state restored, test cgroup removed"
fi
[ "$failures" = 0 ]
