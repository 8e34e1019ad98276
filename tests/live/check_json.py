#!/usr/bin/env python3
"""Checks needle's JSON events for a live test's key.
usage: check_json.py FILE KEY COUNT SYSCALL PATH_PREFIX [ARGV0]
Exactly COUNT events carry KEY; each is whole, names SYSCALL in what.syscall,
has an object path starting with PATH_PREFIX, and (when given) ARGV0 as the
first argument in how.argv."""
import json, sys

path, key, count, syscall, prefix = sys.argv[1:6]
argv0 = sys.argv[6] if len(sys.argv) > 6 else None
n, bad = 0, []
for i, line in enumerate(open(path, encoding="utf-8"), 1):
    ev = json.loads(line)
    if key not in (ev.get("why", {}).get("keys") or []):
        continue
    n += 1
    why = []
    if ev.get("partial"):
        why.append("partial: " + ev.get("partial_reason", "?"))
    if ev.get("what", {}).get("syscall") != syscall:
        why.append(f"what.syscall {ev.get('what')}")
    if not any(o.get("path", "").startswith(prefix) for o in ev.get("objects", [])):
        why.append(f"objects {ev.get('objects')}")
    if argv0 and (ev.get("how", {}).get("argv") or [None])[0] != argv0:
        why.append(f"how.argv {ev.get('how')}")
    if why and len(bad) < 5:
        bad.append(f"line {i}: " + "; ".join(why))
print(f"JSON events with key {key}: {n} (expected {count}), {len(bad)} wrong")
for b in bad:
    print("  " + b)
sys.exit(0 if n == int(count) and not bad else 1)
