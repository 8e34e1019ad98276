#!/usr/bin/env python3
"""Per-thread top symbols of one process from `perf script` output.

usage: perf script -i perf.data -G -F comm,pid,tid,ip,sym,dso | \
           docs/profile-by-thread.py PID [TOP]
Counts the samples of process PID by thread name (needle-listen0,
needle-decode0 ...) and, within each thread, by the sampled symbol (self
time). docs/profile-hot-path.md was made with it.
"""
import sys, collections, re
pid = sys.argv[1]; top = int(sys.argv[2]) if len(sys.argv) > 2 else 15
by_t = collections.Counter(); by_ts = collections.defaultdict(collections.Counter)
for line in sys.stdin:
    m = re.match(r'\s*(\S+)\s+(\d+)/(\d+)\s+(.*)$', line.rstrip())
    if not m or m.group(2) != pid: continue
    comm, tid, rest = m.group(1), m.group(3), m.group(4)
    rest = re.sub(r'^[0-9a-f]+\s+', '', rest)
    rest = re.sub(r'\+0x[0-9a-f]+', '', rest)
    by_t[comm] += 1; by_ts[comm][rest] += 1
tot = sum(by_t.values())
print(f"samples in pid {pid}: {tot}")
for c, n in by_t.most_common():
    print(f"\n== {c}: {n} samples, {100*n/tot:.1f}% of the process")
    for s, k in by_ts[c].most_common(top):
        print(f"   {100*k/n:5.1f}%  {s}")
