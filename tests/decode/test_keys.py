#!/usr/bin/env python3
"""`needle decode --stats`'s table of audit rule keys, against counts this
script makes itself (TAP output):
  - a log this script writes, each event's key known by construction:
    quoted keys, hex-encoded keys (a space, a quote, a backslash, a
    newline, bytes that are not UTF-8), several keys joined by 0x01 (the
    first counts), key=(null), no key field, a CONFIG_CHANGE whose key= is
    not the last field, a user-space record whose key= is nested in
    msg='...', a key over 100 bytes, and 70 distinct keys so that the
    table's bound (64 named, then "other") is reached in a known order;
    events per key, bytes (the sum of the JSON lines of its events, read
    back from stdout) and the time span (first to last event) equal this
    script's own;
  - with --filter (drop one key, divert another): those keys' events are
    all filtered, nothing written; the others' figures do not move;
  - the corpus (tests/data/corpora): every input file at once, each key's
    events and bytes equal those counted from needle's JSON (why.keys[0]:
    the full parse, not the key reader behind --stats).
usage: test_keys.py NEEDLE CORPUS_DIR
"""
import json, os, re, sys, tempfile

import decodetest
from decodetest import case, corpus_inputs, report

needle, corpus = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp(prefix="needle-keys-test-")


def decode(files, *args):
    return decodetest.decode(needle, files, *args)


ROW = re.compile(r"^needle decode: keys: +(\S+) +(\d+) +([\d.]+)% +(\S+) +(\d+)  (.*)$")
OVER = re.compile(r"^needle decode: keys: by events/s \(over ([\d.]+) s of event time\)")


def table(err):
    """{label: (events, filtered share, written bytes)} and the span."""
    rows, span = {}, None
    for line in err.splitlines():
        m = OVER.match(line)
        if m:
            span = float(m.group(1))
        m = ROW.match(line)
        if m:
            rows[m.group(6)] = (int(m.group(2)), float(m.group(3)), int(m.group(5)))
    return rows, span


def label(key):
    """A key's label as the table (and the metrics) write it: the JSON
    string's content (outbuf.h): %XX for '%', control bytes and bytes that
    are not UTF-8, then JSON's escapes of '"' and '\\'."""
    out = []
    i = 0
    while i < len(key):
        c = key[i]
        if 0x20 <= c < 0x7f and c != 0x25:
            out.append({0x22: '\\"', 0x5c: "\\\\"}.get(c, chr(c)))
            i += 1
            continue
        for n in (4, 3, 2):
            try:
                if c >= 0x80:
                    ch = key[i:i + n].decode("utf-8")
                    if len(ch) == 1:
                        out.append(ch)
                        i += n
                        break
            except UnicodeDecodeError:
                pass
        else:
            out.append("%%%02X" % c)
            i += 1
    return "".join(out)


def json_label(k):
    """A key as needle's JSON holds it (already %XX-escaped) to the label."""
    return k.replace("\\", "\\\\").replace('"', '\\"')


# ---- the log this script writes: keys known by construction ----

SEC = 1700000000
lines, expect = [], {}   # expect: label -> [events, serials]
serial = [100]


def syscall_event(key_field, expected, ms_step=7):
    """One syscall event (SYSCALL, CWD, PATH, PROCTITLE) whose SYSCALL ends
    with key_field; expected is the key's bytes (None: no key)."""
    serial[0] += 1
    s = serial[0]
    t = SEC + s // 10
    stamp = f"msg=audit({t}.{(s * ms_step) % 1000:03d}:{s})"
    sys_line = (f"type=SYSCALL {stamp}: arch=c000003e syscall=257 success=no exit=-2 "
                f"a0=ffffff9c a1=5 a2=0 a3=0 items=1 ppid=1 pid={1000 + s} auid=0 uid=0 gid=0 "
                f"euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"cat\" "
                f"exe=\"/usr/bin/cat\" subj=unconfined")
    if key_field is not None:
        sys_line += " " + key_field
    lines.extend([sys_line,
                  f"type=CWD {stamp}: cwd=\"/root\"",
                  f"type=PATH {stamp}: item=0 name=\"/nonexistent\" nametype=UNKNOWN",
                  f"type=PROCTITLE {stamp}: proctitle=636174"])
    count(expected, s)


def count(expected, s):
    lab = "none" if expected is None else label(expected)
    e = expect.setdefault(lab, [0, set()])
    e[0] += 1
    e[1].add(s)


def hexkey(b):
    return "key=" + b.hex().upper()


plain = [f"plain{i}".encode() for i in range(3)]
for i, k in enumerate(plain):
    for _ in range(i + 1):
        syscall_event(f'key="{k.decode()}"', k)
odd = [b"with space", b'a"quote', b"back\\slash", b"new\nline", b"bad\xff\xfeutf8",
       "caf\u00e9".encode(), b"per%cent"]
for k in odd:
    for _ in range(2):
        syscall_event(hexkey(k), k)
# Several keys: the first counts.
for _ in range(4):
    syscall_event(hexkey(b"first\x01second\x01third"), b"first")
for _ in range(3):
    syscall_event("key=(null)", None)
for _ in range(2):
    syscall_event(None, None)
# A CONFIG_CHANGE: key= in the middle of the record (parsed, not the tail).
for i in range(3):
    serial[0] += 1
    s = serial[0]
    lines.append(f"type=CONFIG_CHANGE msg=audit({SEC + s // 10}.100:{s}): auid=0 ses=1 "
                 f"op=\"add_rule\" key=\"confkey\" list=4 res=1")
    count(b"confkey", s)
# A user-space record: key= nested in msg='...'.
for i in range(2):
    serial[0] += 1
    s = serial[0]
    lines.append(f"type=USER_AVC msg=audit({SEC + s // 10}.200:{s}): pid=1 uid=0 auid=0 "
                 f"ses=1 msg='avc: received setenforce notice key=\"nestedkey\" "
                 f"exe=\"/usr/bin/x\" terminal=? res=success'")
    count(b"nestedkey", s)
# A key over 100 bytes: "other"; 101 bytes is the first past the bound.
long_key = b"L" * 101
syscall_event(f'key="{long_key.decode()}"', None)
expect["none"][0] -= 1
expect["none"][1].discard(serial[0])
count(b"other", serial[0])
# Distinct keys up to the bound: the table names 64 (in the order first
# seen), the rest count under "other".
named = [lab for lab in expect if lab not in ("none", "other")]
extra = 0
for i in range(70):
    k = f"bulk{i:02d}".encode()
    syscall_event(f'key="{k.decode()}"', k)
    if len(named) >= 64:
        lab = label(k)
        expect["other"][0] += 1
        expect["other"][1].add(serial[0])
        expect[lab][0] -= 1
        expect[lab][1].discard(serial[0])
        if not expect[lab][0]:
            del expect[lab]
        extra += 1
    else:
        named.append(label(k))
log = os.path.join(tmp, "keys.log")
with open(log, "w", encoding="utf-8", errors="surrogateescape") as f:
    for line in lines:
        f.write(line + "\n")

rc, out, err = decode([log])
rows, span = table(err)
json_lines = out.splitlines()
by_serial = {json.loads(ln)["serial"]: len(ln) + 1 for ln in json_lines}
times = [float(json.loads(ln)["id"].split(":")[0]) for ln in json_lines]
bad = []
for lab, (n, serials) in sorted(expect.items()):
    want_bytes = sum(by_serial.get(s, 0) for s in serials)
    got = rows.get(lab)
    if got != (n, 0.0, want_bytes):
        bad.append(f"{lab!r}: expected {n} events, {want_bytes} bytes; table {got}")
for lab in rows:
    if lab not in expect:
        bad.append(f"{lab!r} in the table, not expected: {rows[lab]}")
case(f"written log: {len(expect)} rows, {sum(v[0] for v in expect.values())} events, each "
     f"key's events and JSON bytes as this script counts them ({extra} keys past the bound "
     f"under other)",
     rc == 0 and not bad and len(json_lines) == serial[0] - 100 and len(rows) == 66,
     bad + [f"exit {rc}, {len(json_lines)} events, {len(rows)} rows"] + err.splitlines()[:5])
want_span = max(times) - min(times)
case(f"the span is the events' own: {want_span:.3f} s",
     span is not None and abs(span - want_span) < 0.0015, [f"table: {span}"])
first = next((ln for ln in err.splitlines() if ROW.match(ln)), "")
case("the heaviest key first", ROW.match(first) and ROW.match(first).group(6) == "other",
     [first])
case("every table line is one line of printable text",
     all(ch.isprintable() for ln in err.splitlines() for ch in ln), [])

# ---- with --filter: a dropped and a diverted key ----
ff = os.path.join(tmp, "f.filter")
with open(ff, "w") as f:
    f.write("drop key=plain2\ndivert key=confkey\n")
rc2, out2, err2 = decode([log], "--filter", ff, "--divert", os.path.join(tmp, "div.json"))
rows2, _ = table(err2)
bad = []
for lab, got in rows2.items():
    n, share, b = got
    if lab in ("plain2", "confkey"):
        if got != (expect[lab][0], 100.0, 0):
            bad.append(f"{lab}: expected {expect[lab][0]} events all filtered, no bytes: {got}")
    elif got != rows[lab]:
        bad.append(f"{lab}: {got}, without --filter {rows[lab]}")
case("--filter: the dropped and diverted keys all filtered, no bytes; the rest as before",
     rc2 == 0 and not bad and set(rows2) == set(rows), bad + err2.splitlines()[:5])

# ---- the corpus: the table against needle's own JSON (the full parse) ----
inputs = corpus_inputs(corpus)
rc, out, err = decode(inputs)
rows, _ = table(err)
want = {}
for ln in out.splitlines():
    keys = json.loads(ln).get("why", {}).get("keys") or []
    lab = json_label(keys[0]) if keys and keys[0] else "none"
    n, b = want.get(lab, (0, 0))
    want[lab] = (n + 1, b + len(ln) + 1)
got = {lab: (v[0], v[2]) for lab, v in rows.items()}
case(f"corpus: {len(inputs)} files, {sum(v[0] for v in want.values())} events, "
     f"{len(want)} keys: each key's events and bytes = those of needle's JSON",
     got == want and len(want) > 3,
     [f"{k!r}: JSON {want.get(k)}, table {got.get(k)}" for k in set(want) | set(got)
      if want.get(k) != got.get(k)])

report(tmp)
