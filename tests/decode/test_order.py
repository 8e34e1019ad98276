#!/usr/bin/env python3
"""The order of records within an event does not matter (issue 11: in a log
with EOE records, PROCTITLE before PATH and SYSCALL made two events with
one id).

Inputs: real logs of the corpus turned back into the kernel's stream (each
event's records together, a syscall event followed by its EOE), and
generated execve events of five records (SYSCALL, EXECVE, CWD, PATH,
PROCTITLE), whose PROCTITLE is what ends an event in logs without EOE.
The records of every event are shuffled (EOE stays last, as the kernel
sends it), events of the same second interleaved, and the stream decoded as a
log (`needle decode`, which must see that the log has EOE) and as the
kernel's stream (`needle decode --eoe`). Checked: every event comes out
once (no id twice), whole, with exactly its records, and nothing is
reported left out. The same streams without EOE (auditd's logs) decode to
the same events when PROCTITLE is last. A runner that decoded nothing fails.
usage: test_order.py NEEDLE CORPUS_DIR   (TAP output)"""
import collections, json, os, random, re, subprocess, sys

needle, corpus = sys.argv[1], sys.argv[2]
FILES = [
    "SELinuxProject__selinux/python__sepolgen__tests__test_data__audit.log",
    "elastic__go-libaudit/testdata__normal.log",
    "linux-audit__audit-userspace/auparse__test__test4.log",
]
STAMP = re.compile(r"msg=audit\((\d+\.\d+):(\d+)\)")
rnd = random.Random(11)


def real_events(path):
    """{serial: (stamp, [records])} of the log, events with one stamp only."""
    text = open(path, encoding="utf-8", errors="surrogateescape").read()
    events, stamps = collections.OrderedDict(), collections.defaultdict(set)
    for line in text.splitlines():
        m = STAMP.search(line)
        if m and not line.startswith("type=EOE "):
            s = int(m.group(2))
            stamps[s].add(m.group(1))
            events.setdefault(s, []).append(line)
    return [(next(iter(stamps[s])), s, recs) for s, recs in events.items() if len(stamps[s]) == 1]


def generated_events(n, first_serial):
    out = []
    for k in range(n):
        serial, stamp = first_serial + k, f"1700000100.{k % 1000:03d}"
        a = f"audit({stamp}:{serial}): "
        out.append((stamp, serial, [
            f"type=SYSCALL msg={a}arch=c000003e syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 "
            f"a3=4 items=2 ppid=1 pid={2000 + k} auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 "
            f"egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"o\"",
            f"type=EXECVE msg={a}argc=2 a0=\"cat\" a1=\"f{k}\"",
            f"type=CWD msg={a}cwd=\"/tmp\"",
            f"type=PATH msg={a}item=0 name=\"f{k}\" inode={k} nametype=NORMAL",
            f"type=PROCTITLE msg={a}proctitle=636174",
        ]))
    return out


def stream(events, shuffle, eoe, interleave):
    """Lines of the events: records shuffled within each event, an EOE after
    each syscall event (as the kernel sends it), events of the same second
    interleaved as several CPUs interleave them (events further apart in
    time are not: their order in time is the log's)."""
    lines, window, window_sec = [], [], None

    def emit_one():
        i = rnd.randrange(len(window)) if interleave > 1 else 0
        lines.append(window[i].pop(0))
        if not window[i]:
            window.pop(i)

    for stamp, serial, recs in events:
        recs = list(recs)
        if shuffle:
            rnd.shuffle(recs)
        if eoe and any(r.startswith("type=SYSCALL ") for r in recs):
            recs.append(f"type=EOE msg=audit({stamp}:{serial}): ")
        sec = int(float(stamp))
        while window and (sec != window_sec or len(window) >= interleave):
            emit_one()
        window_sec = sec
        window.append(recs)
    while window:
        emit_one()
    return lines


def decode(lines, *flags):
    p = subprocess.run([needle, "decode", "--stats", "--no-names", *flags],
                       input=("\n".join(lines) + "\n").encode("utf-8", "surrogateescape"),
                       capture_output=True, timeout=120)
    evs = [json.loads(l) for l in p.stdout.decode("utf-8").splitlines()]
    stats = dict(re.findall(r"(\w+) (\d+)", p.stderr.decode().split("stats:")[-1]))
    return p.returncode, evs, {k: int(v) for k, v in stats.items()}, p.stderr.decode()


n = 0
failed = False


def ok(cond, what, detail=""):
    global n, failed
    n += 1
    print(("ok" if cond else "not ok") + f" {n} - {what}")
    if not cond:
        failed = True
        if detail:
            print("# " + detail.replace("\n", "\n# "))


def check(name, events, lines, *flags):
    rc, evs, stats, err = decode(lines, *flags)
    if "Sanitizer" in err or "runtime error" in err:
        rc = -1  # a sanitizer build's report fails the case
    want = {s: len(recs) for _, s, recs in events}
    syscall = {s for _, s, recs in events if any(r.startswith("type=SYSCALL ") for r in recs)}
    got = collections.Counter(e["serial"] for e in evs)
    twice = [s for s, c in got.items() if c > 1]
    # With --eoe, an event the kernel sends no EOE for (no syscall) can only
    # end by its timeout: partial, but with all its records.
    wrong = [(e["serial"], e["record_count"], want.get(e["serial"])) for e in evs
             if e["record_count"] != want.get(e["serial"]) or
             (e.get("partial") and (e["serial"] in syscall or "--eoe" not in flags))]
    ok(rc == 0 and len(events) > 0 and not twice and not wrong and set(got) == set(want)
       and stats.get("late_dropped", 0) == 0,
       f"{name} {' '.join(flags) or '(log)'}: {len(want)} events, each once and whole",
       f"rc {rc}; twice {twice[:5]}; wrong (serial, got, want) {wrong[:5]}; "
       f"missing {sorted(set(want) - set(got))[:5]}; stats {stats}; {err[:300]}")


print("TAP version 13")
sets = [(os.path.basename(f)[:40], real_events(os.path.join(corpus, f))) for f in FILES]
sets.append(("generated execve events", generated_events(2000, 50000)))
print(f"1..{3 * len(sets)}")
for name, events in sets:
    for flags in ((), ("--eoe",)):
        check(name + " shuffled with EOE", events,
              stream(events, shuffle=True, eoe=True, interleave=4), *flags)
    # auditd's own logs: no EOE, PROCTITLE last (the kernel's order).
    check(name + " in order without EOE", events,
          stream(events, shuffle=False, eoe=False, interleave=4))
sys.exit(1 if failed else 0)
