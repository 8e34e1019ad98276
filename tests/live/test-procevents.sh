#!/usr/bin/env bash
# Live: the process context of processes that live a millisecond, which only
# the kernel's process events (the proc connector, process_events = yes)
# can give: needle reads /proc at decode time, and they are gone by then.
# One needle (json, metrics), rules under the test's key; TAP cases:
#  1. the probe, PROBE_RUNS (20) times: as user nobody, inside a cgroup named
#     like docker's, `unshare --user --map-root-user` runs a copy of true of
#     the test's own name (execve rule on a login uid of the test's). At
#     least 3/4 of the probes' execve events must carry where.container
#     (docker, the id), where.namespaces with user, who.host_uid nobody and
#     who.container_uid 0, and each one without must be a snapshot needle
#     counted lost (the snapshot races an exit a millisecond away: on these
#     VMs it was won 39 or 40 times of 40, each loss counted).
#  2-4. the storm: a bash loop runs STORM_RUNS (10,000) copies of true, or
#     as many as it can in STORM_SECONDS (65), counting them (execve rule
#     on ppid = the loop's shell). 2: needle writes one event
#     for each run the loop counted; 3: at least 99% of them with
#     process_known not false (the share is printed); 4: for 200 of them
#     drawn at random, ancestors[0] is the loop's shell (its pid, exe bash).
#  5-6. pid reuse forced: programs A then B (shell copies of the test's
#     names, each running a copy of true and sleep 0.1) get the same pid:
#     after A is reaped, the host's /proc/sys/kernel/ns_last_pid is set to
#     the pid before A's, so the next fork takes A's pid (tried again when
#     another fork of the machine took it first; the events' pids prove it).
#     A pid namespace would not do: audit logs the host's pid. Four pairs,
#     each program in a docker-named cgroup of its own or in none, never
#     both in the same. 5: no event of one takes the other's container,
#     start time (from its fork to its reaping) or exe (as its child's
#     ancestors[0]); 6: each event carries its own program's.
#  7. needle exited 0, the kernel as it was, the rules and cgroups removed.
# usage: test-procevents.sh NEEDLE   (TAP)
set -u
NEEDLE=$(readlink -f "$1")
. "$(dirname "$0")/lib.sh"
live_require tap
live_setup "needle-pev-$$"
here=$(dirname "$0")
port=$((20000 + ($$ + 41) % 20000))
login=$((440000 + $$ % 10000)) # a login uid nobody else has
cid=$(printf '%s' "$LIVE_KEY" | sha256sum | cut -c1-64)
nobody=$(id -u nobody)
probe_runs=${PROBE_RUNS:-20}
storm_runs=${STORM_RUNS:-10000}
# A fork and exec of true takes 6 to 20 ms on this project's 2-core VMs,
# as busy as the machine is: the loop stops after STORM_SECONDS, and the
# checks count what it ran.
storm_secs=${STORM_SECONDS:-65}

echo "TAP version 13"
echo "1..7"
failures=0
fail() { echo "not ok $1 - $2"; shift 2; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; failures=$((failures + 1)); }
pass() { echo "ok $1 - $2"; }
metrics() { /usr/bin/python3 "$here/check_metrics.py" "http://127.0.0.1:$port/metrics" 2>/dev/null; }
m() { local v; v=$(awk -v k="$1" '$1==k{print $2}' <<< "$samples"); printf '%.0f\n' "${v:-0}"; }
now() { printf '%s\n' "$EPOCHREALTIME"; }

# The test's programs, named after its key so the checks find their events.
bin=$(readlink -f "$LIVE_TOP")/bin
mkdir -p "$bin"
probe=$bin/probe-$LIVE_KEY
storm=$bin/storm-$LIVE_KEY
cp "$(readlink -f /bin/true)" "$probe"
cp "$(readlink -f /bin/true)" "$storm"
for x in a b; do
	cp "$(readlink -f /bin/sh)" "$bin/reuse-$x-$LIVE_KEY"
	cp "$(readlink -f /bin/true)" "$bin/reuse-$x-true-$LIVE_KEY"
done
chmod 755 "$LIVE_TOP" "$bin" # nobody runs the probe from here

trap 'live_remove_cgroup; live_cleanup' EXIT
cid2=$(printf '%s' "$LIVE_KEY-2" | sha256sum | cut -c1-64)
live_docker_cgroup "$cid2" # (both under one cg_top, which the trap removes)
cg2=$cg
live_docker_cgroup "$cid"
cg1=$cg

live_start run "output = json
process_events = yes
metrics_listen = 127.0.0.1:$port
control_socket =" || { echo "Bail out! needle did not start"; exit 1; }
pid=$started_pid
log=$LIVE_TOP/run/log
losses() { grep -E '^needle_(lost|kernel_lost|socket_overruns|ring_dropped|decoder_dropped|sink_lost)' <<< "$samples"; }
samples=$(metrics)
losses_before=$(losses) # the kernel's lost counter is the machine's, not this needle's
auditctl -a always,exit -F arch=b64 -S execve -F auid=$login -k "$LIVE_KEY" >/dev/null

# 1: the probe. The shell stays in the cgroup; each setpriv execs unshare
# execs the probe, one pid for the three.
gone_metric() { samples=$(metrics); m 'needle_process_snapshots_gone_total{}'; }
gone_before=$(gone_metric)
t=$(now)
/bin/sh -c "echo $login > /proc/self/loginuid && echo \$\$ > $cg/cgroup.procs || exit 1
	i=0 ok=0
	while [ \$i -lt $probe_runs ]; do
		setpriv --reuid=$nobody --regid=$nobody --clear-groups \
			unshare --user --map-root-user $probe && ok=\$((ok + 1))
		i=\$((i + 1))
	done
	echo \$ok > $LIVE_TOP/probe.count"
echo "# probe: $(cat "$LIVE_TOP/probe.count" 2>/dev/null) of $probe_runs runs succeeded in $(awk -v a="$t" -v b="$(now)" 'BEGIN{printf "%.1f", b - a}') s"
sleep 1 # the connector's last snapshots
probe_gone=$(( $(gone_metric) - gone_before ))
echo "# probe: snapshots lost to the exit meanwhile (needle_process_snapshots_gone_total): $probe_gone"

# 3: pid reuse. spawn TAG EXE TRUE CG [PID]: a child takes the login uid,
# joins cgroup CG (- for none), and execs EXE, which runs TRUE (a child whose
# ancestors name it) and sleep 0.1, so that its exec snapshot is taken
# whatever the machine's load and what is checked is which process an event
# is given; with PID, the child must have that pid or it exits before its
# exec, and the fork is tried again. Sets rpid, and t0/t1: the times just
# before the fork and after the reaping.
spawn() {
	local tag=$1 exe=$2 tc=$3 cgdir=$4 want=${5:-} tries=0 rc
	while :; do
		t0=$(now)
		[ -n "$want" ] && echo $((want - 1)) > /proc/sys/kernel/ns_last_pid
		(
			[ -z "$want" ] || [ "$BASHPID" = "$want" ] || exit 99
			echo "$login" > /proc/self/loginuid || exit 98
			if [ "$cgdir" != - ]; then echo "$BASHPID" > "$cgdir/cgroup.procs" || exit 97; fi
			exec "$exe" -c '"$1" "$0"; sleep 0.1; exit 0' "$tag" "$tc"
		) &
		rpid=$!
		wait "$rpid"; rc=$?
		t1=$(now)
		if [ "$rc" = 99 ] && [ $((tries += 1)) -lt 200 ]; then continue; fi
		[ "$tries" -gt 0 ] && echo "# $tag: pid $want taken after $tries tries"
		return "$rc"
	done
}
# Four pairs: A's container, then B's (each a docker-named cgroup, or none).
pairs=("$cid -" "- $cid" "$cid $cid2" "$cid2 $cid")
cgof() { case "$1" in -) echo - ;; "$cid") echo "$cg1" ;; *) echo "$cg2" ;; esac; }
t=$(now)
: > "$LIVE_TOP/reuse.runs"
for k in 1 2 3 4; do
	read -r ca cb <<< "${pairs[k - 1]}"
	spawn "pair$k-a" "$bin/reuse-a-$LIVE_KEY" "$bin/reuse-a-true-$LIVE_KEY" "$(cgof "$ca")"
	echo "pair$k-a $rpid $ca $t0 $t1 $?" >> "$LIVE_TOP/reuse.runs"
	sleep 0.2 # A's end and B's start in different milliseconds
	spawn "pair$k-b" "$bin/reuse-b-$LIVE_KEY" "$bin/reuse-b-true-$LIVE_KEY" "$(cgof "$cb")" "$rpid"
	echo "pair$k-b $rpid $cb $t0 $t1 $?" >> "$LIVE_TOP/reuse.runs"
done
echo "# pid reuse: 4 pairs in $(awk -v a="$t" -v b="$(now)" 'BEGIN{printf "%.1f", b - a}') s"

# 2: the storm. The loop's shell waits on a fifo until its rule is in.
mkfifo "$LIVE_TOP/go"
bash -c 'read -r _ < "$1"; ok=0 SECONDS=0
	for ((i = 0; i < $2 && SECONDS < $5; i++)); do "$3" && ok=$((ok + 1)); done
	echo $ok > "$4"' storm "$LIVE_TOP/go" "$storm_runs" "$storm" "$LIVE_TOP/storm.count" "$storm_secs" &
shell=$!
LIVE_PIDS+=("$shell")
auditctl -a always,exit -F arch=b64 -S execve -F ppid=$shell -k "$LIVE_KEY" >/dev/null
storm_t0=$(now)
echo go > "$LIVE_TOP/go"
wait "$shell"
echo "# storm: $(cat "$LIVE_TOP/storm.count" 2>/dev/null) runs (of $storm_runs at most, for $storm_secs s at most) succeeded in $(awk -v a="$storm_t0" -v b="$(now)" 'BEGIN{printf "%.1f", b - a}') s"

live_settle || echo "# needle did not settle within 40 s"
auditctl -D -k "$LIVE_KEY" >/dev/null
samples=$(metrics)
live_stop "$pid"; status=$?
live_remove_cgroup
grep -E '^needle_(process|context)' <<< "$samples" | sed 's/^/# /' # the connector's and the table's
# What the run lost, as needle counts it (nothing is the expected answer).
awk 'NR == FNR { before[$1] = $2; next } $2 != before[$1] { print "# lost during the test: " $1 " " $2 - before[$1] }' \
	<(printf '%s\n' "$losses_before") <(losses)

/usr/bin/python3 - "$log/needle.json" "$LIVE_KEY" "$bin" "$cid" "$nobody" "$shell" \
	"$(readlink -f /bin/bash)" "$probe_runs" "$(cat "$LIVE_TOP/probe.count" 2>/dev/null)" \
	"$(cat "$LIVE_TOP/storm.count" 2>/dev/null)" "$storm_t0" "$LIVE_TOP/reuse.runs" \
	"$probe_gone" <<'PY'
import datetime, json, os, random, sys
(path, key, bin_, cid, nobody, shell, bash, probe_runs, probe_ok, storm_ok, storm_t0,
 runs_file, probe_gone) = sys.argv[1:]
probe_gone = int(probe_gone or 0)
nobody, shell, probe_runs = int(nobody), int(shell), int(probe_runs)
probe_ok = int(probe_ok or 0)
storm_ok = int(storm_ok or 0)
events = [json.loads(l) for l in open(path, encoding="utf-8")] if os.path.exists(path) else []
ours = [e for e in events if key in (e.get("why", {}).get("keys") or [])]
exe = lambda e: e.get("how", {}).get("exe")
argv = lambda e: e.get("how", {}).get("argv") or []
where = lambda e: e.get("where", {})
cont = lambda e: where(e).get("container") or {}
anc0 = lambda e: (where(e).get("ancestors") or [{}])[0]
known = lambda e: where(e).get("process_known") is not False
epoch = lambda iso: datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
failed = 0
def check(i, ok, what, detail=None):
    global failed
    print(("ok" if ok else "not ok") + f" {i} - {what}")
    if not ok:
        failed += 1
    if not ok:
        if detail is not None:
            print("# " + json.dumps(detail)[:3000])

# 1
probes = [e for e in ours if exe(e) == f"{bin_}/probe-{key}"]
def probe_good(e):
    w, who = where(e), e.get("who", {})
    return cont(e).get("runtime") == "docker" and cont(e).get("id") == cid and \
        "user" in (w.get("namespaces") or []) and who.get("host_uid") == nobody and \
        who.get("container_uid") == 0
good = [e for e in probes if probe_good(e)]
bad = [e for e in probes if not probe_good(e)]
# The snapshot races the probe's exit (it lives about a millisecond): one
# lost is counted, and only a counted loss may leave an event without.
check(1, probe_runs == probe_ok and len(probes) == probe_runs and
      4 * len(good) >= 3 * probe_runs and len(bad) <= probe_gone,
      f"probe: {len(good)} of {probe_runs} execve events of the probe (nobody, user namespace, "
      f"docker-named cgroup; {probe_ok} runs succeeded, {len(probes)} events) carry the container, "
      f"the user namespace, host_uid {nobody} and container_uid 0 (at least 3/4); the "
      f"{len(bad)} without are no more than the {probe_gone} snapshots needle counted lost",
      {"first bad": [{"who": e.get("who"), "where": where(e)} for e in bad[:2]]})

# 2
storm = [e for e in ours if exe(e) == f"{bin_}/storm-{key}"]
check(2, len(storm) == storm_ok and storm_ok > 0,
      f"storm: needle wrote {len(storm)} events for the {storm_ok} runs the loop counted")
kn = sum(1 for e in storm if known(e))
share = kn / len(storm) if storm else 0
print(f"# storm: process_known not false in {kn} of {len(storm)} events: {100 * share:.2f}%")
# A start time before the loop began is the context of a pid's earlier owner.
borrowed = [e for e in storm if known(e) and where(e).get("start_time") and
            not float(storm_t0) - 0.05 <= epoch(where(e)["start_time"]) <= epoch(e["time"]) + 0.05]
check(3, storm and kn * 100 >= 99 * len(storm) and not borrowed,
      f"storm: {100 * share:.2f}% of the events with process_known not false (>= 99%), "
      f"{len(borrowed)} with a start time outside the loop's run and before the event",
      {"first unknown": [where(e) for e in storm if not known(e)][:2],
       "first borrowed": [(e["time"], where(e)) for e in borrowed[:2]]})
seed = random.randrange(1 << 30)
sample = random.Random(seed).sample(storm, min(200, len(storm)))
wrong = [e for e in sample if anc0(e).get("pid") != shell or anc0(e).get("exe") != bash]
check(4, sample and not wrong,
      f"storm: {len(sample) - len(wrong)} of {len(sample)} sampled events (seed {seed}) have "
      f"ancestors[0] the loop's shell (pid {shell}, {bash})",
      {"wrong": [(e["id"], where(e).get("ancestors")) for e in wrong[:3]]})

# 3
runs = {}
for line in open(runs_file):
    tag, rpid, c, t0, t1, rc = line.split()
    x = tag[-1]
    runs[tag] = dict(pid=int(rpid), cid=None if c == "-" else c, t0=float(t0), t1=float(t1),
                     rc=int(rc), prog=f"{bin_}/reuse-{x}-{key}",
                     own=[e for e in ours if exe(e) == f"{bin_}/reuse-{x}-{key}" and tag in argv(e)],
                     kids=[e for e in ours if tag in argv(e)[1:2] and
                           exe(e) == f"{bin_}/reuse-{x}-true-{key}"])
def life(e, r):
    st = where(e).get("start_time")
    return st and r["t0"] - 0.05 <= epoch(st) <= r["t1"] + 0.05
setup, borrowed, wrong = [], [], []
for tag, r in sorted(runs.items()):
    other = runs[tag[:-1] + ("b" if tag[-1] == "a" else "a")]
    if r["rc"] != 0:
        setup.append(f"{tag}: exited {r['rc']}")
    if len(r["own"]) != 1 or len(r["kids"]) != 1:
        setup.append(f"{tag}: {len(r['own'])} execve events of {r['prog']}, {len(r['kids'])} of its child (want 1, 1)")
    if any(e["where"].get("pid") != r["pid"] for e in r["own"]) or r["pid"] != other["pid"]:
        setup.append(f"{tag}: pid {r['pid']}, the other's {other['pid']}, the events' {[e['where'].get('pid') for e in r['own']]}")
    for e in r["own"] + r["kids"]:
        what = f"{tag} {e['id']} {os.path.basename(exe(e) or '')}"
        c = cont(e).get("id")
        if c is not None and c == other["cid"]:
            borrowed.append(f"{what}: the other's container {c}")
        if life(e, other):
            borrowed.append(f"{what}: start_time {where(e)['start_time']} in the other's life")
        if c != r["cid"]:
            wrong.append(f"{what}: container {c}, want {r['cid']}")
        if e in r["own"] and not (known(e) and life(e, r)):
            wrong.append(f"{what}: start_time {where(e).get('start_time')} (known: {known(e)}), not in its life [{r['t0']:.3f}, {r['t1']:.3f}]")
    for e in r["kids"]:
        a = anc0(e)
        if a.get("exe") == other["prog"]:
            borrowed.append(f"{tag} {e['id']}: ancestors[0] {a}, the other program")
        if a.get("pid") != r["pid"] or a.get("exe") != r["prog"] or where(e).get("ppid") != r["pid"]:
            wrong.append(f"{tag} {e['id']}: ancestors[0] {a}, want pid {r['pid']} {r['prog']}")
pids = ", ".join(f"{t} {r['pid']}" for t, r in sorted(runs.items()))
check(5, runs and not setup and not borrowed,
      f"pid reuse: {len(runs) // 2} pairs of programs, each pair one pid ({pids}); "
      f"{len(borrowed)} of their events took the other program's container, start time or exe",
      setup + borrowed)
check(6, runs and not setup and not wrong,
      f"pid reuse: every event of those programs carries its own program's container, start time "
      f"and parent ({len(wrong)} do not)", wrong)
sys.exit(1 if failed else 0)
PY
[ $? = 0 ] || failures=$((failures + 1))
if [ "$status" = 0 ] && [ "$(ks_settings)" = "$SETTINGS_BEFORE" ] && [ ! -e "$cg_top" ] && [ -z "$(auditctl -l | grep -- "$LIVE_KEY")" ]; then
	pass 7 "needle exited 0, kernel state restored, test rules and cgroup removed"
else
	fail 7 "needle exited 0 ($status), kernel state restored, test rules and cgroup removed"
fi
[ "$failures" = 0 ]
