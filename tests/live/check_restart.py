#!/usr/bin/env python3
"""Counts a live test's events in needle's JSON log, by serial.
usage: check_restart.py FILE KEY
Prints one line "whole W partial P partial_key PK other_partial OP twice T":
W events with KEY written whole (each serial once), P events written
partial (any key, or none: a partial event may have lost its SYSCALL
record and with it the key), T serials written more than once. needle's
own DAEMON_* records are not the kernel's events (their serials are
needle's own) and are left out."""
import json, sys
from collections import Counter

path, key = sys.argv[1:3]
serials = Counter()
whole = partial = partial_key = 0
for line in open(path, encoding="utf-8"):
    ev = json.loads(line)
    if ev.get("what", {}).get("type", "").startswith("DAEMON_"):
        continue
    serials[ev["serial"]] += 1
    keyed = key in (ev.get("why", {}).get("keys") or [])
    if ev.get("partial"):
        partial += 1
        partial_key += keyed
    elif keyed:
        whole += 1
twice = sum(1 for n in serials.values() if n > 1)
print(f"whole {whole} partial {partial} partial_key {partial_key} "
      f"other_partial {partial - partial_key} twice {twice}")
