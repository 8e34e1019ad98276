#!/usr/bin/env python3
"""Plain numbers stay numbers (issue 11: CONFIG_CHANGE old=8192 came out as
"%81%92"). Every input log of the corpus is decoded with `needle decode`;
each record of the input is split into its fields here, independently of
needle (name=value, "quoted", 'nested', bare words), and every field whose
raw value is a plain decimal number, unquoted, must appear in needle's JSON
for that record with exactly that text: at its name in the record's object
(or in msg='...''s object, or in "enriched"), or, for a name given again,
in "_repeated" (README, JSON schema: the first field of a name keeps it).

Exempt are the fields the kernel always writes hex-encoded, where digits
are hex digits (SOCKADDR saddr, PROCTITLE proctitle, EXECVE aN and aN[k],
TTY and USER_TTY data); for EXECVE arguments the test checks the opposite,
that they were decoded. One TAP line per record type found in the corpus;
the run fails when it compared nothing.
usage: test_numbers.py NEEDLE CORPUS_DIR"""
import collections, csv, json, os, re, subprocess, sys

needle, corpus = sys.argv[1], sys.argv[2]
rows = [r for r in csv.DictReader(open(os.path.join(corpus, "SOURCES.tsv")), delimiter="\t")
        if "input" in r["role"] and not r["file"].endswith((".yaml", ".json"))]
LINE = re.compile(rb"^(?:node=(\S+) )?type=(\S+) msg=audit\((\d+\.\d+:\d+)\):? ?(.*)$")
NUMBER = re.compile(rb"^-?[0-9]+$")
EXEC_ARG = re.compile(rb"^a[0-9]+(\[[0-9]+\])?$")


def always_hex(rtype, name):
    return ((rtype, name) in {(b"SOCKADDR", b"saddr"), (b"PROCTITLE", b"proctitle"),
                              (b"TTY", b"data"), (b"USER_TTY", b"data")} or
            (rtype == b"EXECVE" and EXEC_ARG.match(name)))


def split_fields(body, group, out):
    """(group, name, value, quote) for each field of body; bare words have
    name None. group: 0 top level, 1 nested, 2 enriched."""
    i, n = 0, len(body)
    while i < n:
        while i < n and body[i:i + 1] == b" ":
            i += 1
        if i >= n:
            break
        start = i
        while i < n and body[i:i + 1] not in (b"=", b" "):
            i += 1
        if i >= n or body[i:i + 1] == b" ":
            out.append((group, None, body[start:i], None))
            continue
        name = body[start:i]
        i += 1
        q = body[i:i + 1]
        if q in (b'"', b"'"):
            i += 1
            j = i
            while True:
                j = body.find(q, j)
                if j < 0 or q == b'"' or j + 1 >= n or body[j + 1:j + 2] == b" ":
                    break
                j += 1
            value = body[i:] if j < 0 else body[i:j]
            out.append((group, name, value, q))
            i = n if j < 0 else j + 1
            if q == b"'":
                split_fields(value, 1, out)
        else:
            j = body.find(b" ", i)
            j = n if j < 0 else j
            out.append((group, name, body[i:j], None))
            i = j


def record_fields(rtype, body):
    gs = body.find(b"\x1d")
    fields = []
    split_fields(body if gs < 0 else body[:gs], 0, fields)
    if gs >= 0:
        split_fields(body[gs + 1:], 2, fields)
    if rtype == b"LOGIN":
        # Old kernels: "old auid=X new auid=Y" is read as old-auid=X auid=Y.
        renamed, k = [], 0
        while k < len(fields):
            g, name, value, q = fields[k]
            nxt = fields[k + 1] if k + 1 < len(fields) else None
            if (name is None and value in (b"old", b"new") and nxt and nxt[0] == g and
                    nxt[1] in (b"auid", b"ses")):
                prefix = b"old-" if value == b"old" else b""
                renamed.append((g, prefix + nxt[1], nxt[2], nxt[3]))
                k += 2
                continue
            renamed.append(fields[k])
            k += 1
        fields = renamed
    return fields


def lookup(obj, group_objs, group, name, occurrence):
    """needle's value for the occurrence-th field of name in the group."""
    o = group_objs.get(group)
    if o is None:
        return None
    if occurrence == 0 and name in o and name not in ("_repeated", "_text", "_truncated",
                                                      "enriched", "argv"):
        return o[name]
    rep = [v for k, v in o.get("_repeated", []) if k == name]
    idx = occurrence if name in ("_repeated", "_text", "_truncated", "enriched", "argv") \
        else occurrence - 1
    return rep[idx] if 0 <= idx < len(rep) else None


stats = collections.defaultdict(lambda: [0, 0, []])  # type -> [records, numbers, problems]
for row in rows:
    path = os.path.join(corpus, row["file"])
    p = subprocess.run([needle, "decode", "--no-names", path], capture_output=True)
    if p.returncode not in (0, 1) or b"Sanitizer" in p.stderr or b"runtime error" in p.stderr:
        stats["(needle decode)"][2].append(f"{row['file']}: exit {p.returncode}: "
                                           f"{p.stderr.decode(errors='replace')[:200]}")
    events = {}
    for line in p.stdout.splitlines():
        ev = json.loads(line)
        events[(ev["id"], ev.get("node"))] = ev
    inputs = collections.defaultdict(list)  # (key, type) -> bodies, in order
    for line in open(path, "rb").read().split(b"\n"):
        m = LINE.match(line.rstrip(b"\r"))
        if m and m.group(2) != b"EOE":
            node = m.group(1).decode(errors="surrogateescape") if m.group(1) else None
            inputs[((m.group(3).decode(), node), m.group(2))].append(m.group(4))
    for (key, rtype), bodies in inputs.items():
        ev = events.get(key)
        tname = rtype.decode(errors="replace")
        if ev is None or tname not in ev["records"]:
            continue  # not a record needle reads (unknown type name), or renamed
        got = ev["records"][tname]
        objs = got if isinstance(got, list) else [got]
        if rtype == b"EXECVE":
            # One object for all EXECVE records of the event.
            bodies = [b" ".join(bodies)]
        # Records left out (their event had been written) are the last ones.
        for body, obj in zip(bodies, objs):
            st = stats[tname]
            st[0] += 1
            groups = {0: obj}
            seen = collections.Counter()
            for g, name, value, q in record_fields(rtype, body):
                if name is None:
                    continue
                nm = name.decode(errors="surrogateescape")
                if g == 0 and q == b"'":
                    nested = obj.get(nm)  # the first msg='...' has the name
                    groups[1] = nested if isinstance(nested, dict) else None
                if g == 2:
                    groups[2] = obj.get("enriched")
                occ = seen[(g, nm)]
                seen[(g, nm)] += 1
                if q is not None or not NUMBER.match(value):
                    continue
                out = lookup(obj, groups, g, nm, occ)
                if always_hex(rtype, name):
                    if rtype == b"EXECVE" and out == value.decode():
                        st[2].append(f"{key[0]} {nm}={value.decode()} not decoded")
                    continue
                st[1] += 1
                if out != value.decode():
                    st[2].append(f"{row['file']} {key[0]} {nm}={value.decode()} came out "
                                 f"{json.dumps(out)}")

print("TAP version 13")
print(f"1..{len(stats) + 1}")
n, failed = 0, False
for tname in sorted(stats):
    records, numbers, problems = stats[tname]
    n += 1
    if problems:
        failed = True
        print(f"not ok {n} - {tname}: {len(problems)} of {numbers} numbers changed")
        for pr in problems[:5]:
            print(f"# {pr}")
    else:
        print(f"ok {n} - {tname}: {numbers} numbers in {records} records unchanged")
total = sum(s[1] for s in stats.values())
n += 1
if total < 1000 or len(stats) < 20:
    failed = True
    print(f"not ok {n} - compared only {total} numbers in {len(stats)} record types")
else:
    print(f"ok {n} - {total} numbers compared in {len(stats)} record types")
sys.exit(1 if failed else 0)
