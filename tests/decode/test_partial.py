#!/usr/bin/env python3
"""Partial events from a replay with EOE records removed.

Real logs (SELinux project test data, auditd format) are turned back into the
kernel's stream: each event's records together and each syscall event
followed by the EOE record the kernel sends (auditd drops it). `needle decode --eoe` must then
write every event whole; with the EOE of every third syscall event
removed, exactly those events must come out partial (timeout, or end of
input for the last ones), with all their records, and --stats must count
them. Everything else stays whole.
usage: test_partial.py NEEDLE CORPUS_DIR   (TAP output)
"""
import json, os, re, subprocess, sys

needle, corpus = sys.argv[1], sys.argv[2]
FILES = [
    "SELinuxProject__selinux/python__sepolgen__tests__test_data__httpd.log",
    "SELinuxProject__selinux/python__sepolgen__tests__test_data__audit.log",
]
STAMP = re.compile(r"msg=audit\((\d+\.\d+):(\d+)\)")

def kernel_stream(path):
    """The log as the kernel would send it: each event's records together,
    in order of first appearance, a syscall event followed by its EOE.
    Serials that the log holds under two stamps (a reboot between) are
    left out. Returns (lines, {serial: record count of a syscall event})."""
    text = open(path, encoding="utf-8", errors="surrogateescape").read()
    events, stamps = {}, {}
    for line in text.splitlines():
        m = STAMP.search(line)
        if not m:
            continue
        s = int(m.group(2))
        stamps.setdefault(s, set()).add(m.group(1))
        events.setdefault(s, []).append(line)
    out, syscall = [], {}
    for s, recs in events.items():
        if len(stamps[s]) > 1:
            continue
        out += recs
        if any(r.startswith("type=SYSCALL ") for r in recs):
            out.append(f"type=EOE msg=audit({next(iter(stamps[s]))}:{s}): ")
            syscall[s] = len(recs)
    return out, syscall

def decode(lines):
    p = subprocess.run([needle, "decode", "--eoe", "--stats", "--no-names", "-f", "json"],
                       input="\n".join(lines).encode("utf-8", "surrogateescape") + b"\n",
                       capture_output=True, timeout=60)
    events = [json.loads(l) for l in p.stdout.decode("utf-8").splitlines()]
    stats = dict(re.findall(r"(\w+) (\d+)", p.stderr.decode().split("stats:")[-1]))
    return p.returncode, events, {k: int(v) for k, v in stats.items()}

n = 0
def ok(cond, what, detail=""):
    global n
    n += 1
    print(("ok" if cond else "not ok") + f" {n} - {what}")
    if not cond and detail:
        print("# " + detail.replace("\n", "\n# "))
    return cond

print("TAP version 13")
print(f"1..{4 * len(FILES)}")
failed = False
for rel in FILES:
    name = os.path.basename(rel)[:40]
    lines, sys_events = kernel_stream(os.path.join(corpus, rel))
    rc, events, stats = decode(lines)
    partial = {e["serial"] for e in events if e.get("partial")}
    failed |= not ok(rc == 0 and len(sys_events) > 100 and not (partial & sys_events.keys()),
                     f"{name}: {len(sys_events)} syscall events with EOE all whole",
                     f"rc {rc}, partial syscall events {sorted(partial & sys_events.keys())[:10]}")
    base_partial = partial

    removed = set(sorted(sys_events)[::3])
    cut = [l for l in lines if not (l.startswith("type=EOE ") and
                                    int(STAMP.search(l).group(2)) in removed)]
    rc, events, stats = decode(cut)
    by_serial = {e["serial"]: e for e in events}
    partial = {e["serial"] for e in events if e.get("partial")} - base_partial
    failed |= not ok(partial == removed,
                     f"{name}: the {len(removed)} events without EOE, and only they, are partial",
                     f"extra {sorted(partial - removed)[:10]}, missing {sorted(removed - partial)[:10]}")
    bad = [s for s in removed if s in by_serial and (
        by_serial[s].get("partial_reason") not in ("timeout", "end of input") or
        by_serial[s]["record_count"] != sys_events[s])]
    failed |= not ok(not bad, f"{name}: each keeps all its records, reason timeout or end of input",
                     "; ".join(f"{s}: {by_serial[s].get('partial_reason')} "
                               f"{by_serial[s]['record_count']}/{sys_events[s]}" for s in bad[:5]))
    counted = stats.get("partial_timeout", -1) + stats.get("partial_end", -1)
    failed |= not ok(counted == len(removed) + len(base_partial),
                     f"{name}: --stats counts {counted} partial (timeout + end of input)",
                     f"stats {stats}, expected {len(removed)} + {len(base_partial)}")
sys.exit(1 if failed else 0)
