#!/usr/bin/env python3
"""Compares auditd's log with needle's, record by record (test-parity.sh).

usage: check_parity.py AUDITD_LOG NEEDLE_LOG KEY EXPECTED

EXPECTED holds the load's calls as the load itself counted them, one
"SYSCALL SUCCESS COUNT" per line (e.g. "openat no 2"), and "user sent N"
for user-space messages naming KEY.

Records are matched by their stamp audit(SEC.MS:SERIAL), their type and
their place among the records of that stamp and type. Every record both
logs have must be byte-identical (the whole line: RAW, or RAW, 0x1d and
the interpretations). Records only one log has are allowed only under
these rules, each counted:
  - each daemon's own DAEMON_* records (auditd's and needle's): each writes
    its own, they never pass through the kernel, and their serials are the
    daemon's own (a multicast reader cannot see the other's);
  - EVENT_LISTENER records: the kernel's note of a multicast reader
    joining or leaving, sent while needle's own socket joins or leaves;
  - records whose serial lies outside the serials needle wrote: needle was
    not reading yet, or no longer (it starts after auditd, stops before).
Anything else found in one log only fails the test, and so does any
difference. The load's events (SYSCALL records with KEY) must be exactly
the calls in EXPECTED, in both logs, and every record of them compared.
"""
import collections, re, sys

SYSCALLS_X86_64 = {"257": "openat", "42": "connect", "59": "execve"}
key_re = re.compile(rb"^type=(\S+) msg=(audit\(\d+\.\d+:(\d+)\)):")


def control_bytes_as_auditd(needle_line, auditd_line):
    """needle's line with its \\xHH escapes (decode/raw.h) turned back into
    the bytes, each newline then made a space and one trailing space
    dropped, as auditd's format_raw() does, is auditd's line."""
    raw, sep, interp = needle_line.partition(b"\x1d")
    bytes_ = re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)
    if bytes_ == raw:
        return False
    bytes_ = bytes_.replace(b"\n", b" ")
    if bytes_.endswith(b" "):
        bytes_ = bytes_[:-1]
    return auditd_line == bytes_ + sep + interp


# Where auditd itself writes something wrong, needle keeps its own line;
# each entry: (a test on needle's and auditd's line, the reason).
AUDITD_WRONG = [
    (control_bytes_as_auditd,
     "auditd copies a user-space message's control bytes into its log raw (a 0x1d "
     "there forges the start of an ENRICHED part, for auparse too) and makes a "
     "newline a space, so the message cannot be read back; needle writes them \\xHH"),
]


def read(path):
    recs = collections.OrderedDict()
    seen = collections.Counter()
    other = []
    for line in open(path, "rb").read().split(b"\n"):
        if not line:
            continue
        m = key_re.match(line)
        if not m:
            other.append(line)
            continue
        t, stamp, serial = m.group(1), m.group(2), int(m.group(3))
        k = (stamp, t, seen[(stamp, t)])
        seen[(stamp, t)] += 1
        recs[k] = (serial, line)
    return recs, other


def main():
    a_path, n_path, key, expected_path = sys.argv[1:5]
    auditd, a_other = read(a_path)
    needle, n_other = read(n_path)
    problems = []
    if a_other or n_other:
        problems.append(f"lines that are not records: auditd {a_other[:2]}, needle {n_other[:2]}")
    if not needle:
        print("needle wrote no record")
        return 1
    # The kernel's serials needle wrote (its own DAEMON_* records have
    # serials of their own).
    kernel = [s for (_, t, _), (s, _) in needle.items() if not t.startswith(b"DAEMON_")]
    if not kernel:
        print("needle wrote no record of the kernel")
        return 1
    lo, hi = min(kernel), max(kernel)
    excluded = collections.Counter()
    compared = identical = 0
    compared_stamps = collections.Counter()
    for k in list(auditd) + [k for k in needle if k not in auditd]:
        a, n = auditd.get(k), needle.get(k)
        stamp, t, _ = k
        if a and n:
            compared += 1
            compared_stamps[stamp] += 1
            if a[1] == n[1]:
                identical += 1
                continue
            why = [r for test, r in AUDITD_WRONG if test(n[1], a[1])]
            if why:
                excluded["auditd wrong: " + why[0]] += 1
                continue
            problems.append(f"differs: auditd {a[1][:400]!r}\n       needle {n[1][:400]!r}")
            continue
        serial, line = a or n
        who = "auditd" if a else "needle"
        if t.startswith(b"DAEMON_"):
            excluded[f"{who}'s own DAEMON_* records"] += 1
        elif t == b"EVENT_LISTENER":
            excluded[f"EVENT_LISTENER records ({who} only)"] += 1
        elif a and not lo <= serial <= hi:
            excluded["auditd's records outside needle's serials"] += 1
        else:
            problems.append(f"only {who} wrote {line[:300]!r}")

    # The load, as the load counted it, in each log, every record compared.
    want = collections.Counter()
    want_user = 0
    for line in open(expected_path):
        sc, ok, count = line.split()
        if sc == "user":
            want_user += int(count)
        else:
            want[(sc, ok)] += int(count)
    tag = b'key="' + key.encode() + b'"'
    marker = b"msg='needle-parity " + key.encode() + b":"
    for name, recs in (("auditd", auditd), ("needle", needle)):
        users = [k for k, (_, line) in recs.items() if k[1] == b"USER" and marker in line]
        if len(users) != want_user or not all(k in auditd and k in needle for k in users):
            problems.append(f"{name}'s log has {len(users)} of the load's {want_user} "
                            f"user-space messages, or one the other log lacks")
    load_records = 0
    for name, recs in (("auditd", auditd), ("needle", needle)):
        got = collections.Counter()
        stamps = set()
        for (stamp, t, _), (_, line) in recs.items():
            if t == b"SYSCALL" and tag in line:
                f = dict(re.findall(rb"(\w+)=(\S+)", line.split(b"\x1d")[0]))
                got[(SYSCALLS_X86_64.get(f[b"syscall"].decode(), f[b"syscall"].decode()),
                     f[b"success"].decode())] += 1
                stamps.add(stamp)
        if got != want:
            problems.append(f"{name}'s log has the load's events {dict(got)}, the load made {dict(want)}")
        n = sum(1 for (stamp, _, _) in recs if stamp in stamps)
        missing = [s for s in stamps if compared_stamps[s] == 0]
        if name == "auditd":
            load_records = n
            if missing or sum(compared_stamps[s] for s in stamps) != n:
                problems.append(f"of the load's {n} records in auditd's log only "
                                f"{sum(compared_stamps[s] for s in stamps)} were compared")
    print(f"compared {compared} records present in both logs, {identical} byte-identical; "
          f"the load's {sum(want.values())} events ({load_records} records) all among them")
    for why, c in sorted(excluded.items()):
        print(f"excluded by rule: {c} {why}")
    for p in problems[:20]:
        print("PROBLEM: " + p)
    if compared < load_records or load_records == 0:
        problems.append("compared too few records")
        print(f"PROBLEM: compared {compared} records, fewer than the load's {load_records}")
    return 1 if problems else 0


sys.exit(main())
