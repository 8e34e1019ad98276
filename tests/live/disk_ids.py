#!/usr/bin/env python3
"""Collects the event ids of needle's JSON logs into a state file, so that a
test whose logs lose generations on purpose (the space policy's rotate)
still counts every event that was written once.
usage: disk_ids.py STATE KEY LOG
LOG is the current file (needle.json); its generations LOG.1, LOG.2, ...
are read too, the current file first and then upwards: a rotation during
the read moves files to higher numbers, not read yet, and a file met twice
under two names (same inode) is read once. Only whole lines are read (a
line being written is left for the next call). The ids go into STATE
(created if missing); prints "load N other M dup D": the events so far
with KEY among why.keys and what.syscall openat (the load's), the others
(the machine's, the rules'; needle's own DAEMON_* records left out), and ids found twice in this read (an event
written twice)."""
import json, os, re, sys

state_path, key, log = sys.argv[1:4]
state = {"load": [], "other": []}
if os.path.exists(state_path):
    with open(state_path, encoding="utf-8") as f:
        state = json.load(f)
load, other = set(state["load"]), set(state["other"])
base = os.path.basename(log)
gens = [0] + sorted(int(m.group(1)) for m in
                    (re.fullmatch(re.escape(base) + r"\.(\d+)", n)
                     for n in os.listdir(os.path.dirname(log))) if m)
seen, inodes, dup = set(), set(), 0
for g in gens:
    try:
        f = open(log if g == 0 else f"{log}.{g}", "rb")
    except FileNotFoundError:
        continue  # rotated away meanwhile: to a higher number, read next
    with f:
        st = os.fstat(f.fileno())
        if (st.st_dev, st.st_ino) in inodes:
            continue
        inodes.add((st.st_dev, st.st_ino))
        data = f.read()
    for line in data.split(b"\n")[:-1]:
        ev = json.loads(line)
        if any(t.startswith("DAEMON_") for t in ev.get("records") or {}):
            continue  # needle's own records: written, never formatted by a decoder
        if ev["id"] in seen:
            dup += 1
        seen.add(ev["id"])
        if key in (ev.get("why", {}).get("keys") or []) and \
                ev.get("what", {}).get("syscall") == "openat":
            load.add(ev["id"])
        else:
            other.add(ev["id"])
with open(state_path, "w", encoding="utf-8") as f:
    json.dump({"load": sorted(load), "other": sorted(other)}, f)
print(f"load {len(load)} other {len(other)} dup {dup}")
