#!/usr/bin/env python3
"""`needle decode --filter` with redact rules on the real logs of
tests/data/corpora, against this script's own redaction of the same
events (TAP output):
  - RAW: every line of an event that is not EXECVE, PROCTITLE or USER_CMD
    is byte for byte the line needle writes without the filter; so is
    every such line this script finds nothing to redact in;
  - the others: the same fields in the same order, argc and the rest
    unchanged, each argument's bytes what this script makes of them (the
    arguments joined by single spaces, Python's re on the line, each group
    that took part in a match -- the whole match without groups -- merged
    and clipped to the arguments, replaced by <redacted>), written as hex
    when it was hex or needs it, else quoted; aN_len grown by what its
    pieces grew;
  - --stats: the values counted equal this script's count of matches;
  - JSON: the argv needle writes is the redacted one, nothing of the
    replaced text is left in a redacted argument, and every other member
    of the line is the unfiltered line's;
  - ausearch reads the redacted RAW log: as many events as the input, and
    every mark this script expects shows in ausearch -i;
  - the default filter file (install/needle.filter) redacts nothing in
    the corpus (no secret there), and leaves every byte as it was.
usage: test_redact.py NEEDLE CORPUS_DIR
"""
import json, os, re, shutil, subprocess, sys, tempfile

from decodetest import case, corpus_inputs, report

needle, corpus = sys.argv[1], sys.argv[2]
inputs = corpus_inputs(corpus)
default_filter = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "install",
                              "needle.filter")
tmp = tempfile.mkdtemp(prefix="needle-redact-test-")
MARK = b"<redacted>"

# Rules that hit real arguments of the corpus: inside arguments (flag names),
# across two arguments (no group), after a given argument, several groups.
PATTERNS = [
    rb"--([a-z]+)=",
    rb"grep --color=auto",
    rb"(?:^|\s)-[tp] (\S+)",
    rb"arg(1) arg(2)",
    rb"(\d{4,})",
    rb"--(redactme)",
]


def run(*args):
    p = subprocess.run([needle, "decode", "--no-names", *args], capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def write_filter(path, patterns):
    with open(path, "wb") as f:
        for p in patterns:
            f.write(b'redact "' + p + b'"\n')


# ---- RAW lines: fields, values ----

def split_body(body, where=None):
    """(name, raw value) of each top-level field, as the kernel writes them;
    where, when given, gets each value's (start, end) in body."""
    out, i, n = [], 0, len(body)
    while i < n:
        while i < n and body[i:i + 1] == b" ":
            i += 1
        if i >= n:
            break
        j = i
        while j < n and body[j:j + 1] not in (b"=", b" "):
            j += 1
        name = body[i:j]
        if j < n and body[j:j + 1] == b"=":
            j += 1
            if body[j:j + 1] == b'"':
                k = body.find(b'"', j + 1)
                k = n if k < 0 else k + 1
            else:
                k = body.find(b" ", j)
                k = n if k < 0 else k
            out.append((name, body[j:k]))
            if where is not None:
                where.append((j, k))
            i = k
        else:
            out.append((name, None))
            if where is not None:
                where.append(None)
            i = j
    return out


def decoded(v):
    """The bytes a value stands for, and whether it was hex."""
    if v.startswith(b'"'):
        return v[1:-1] if v.endswith(b'"') and len(v) > 1 else v[1:], False
    if len(v) % 2 == 0 and v and re.fullmatch(rb"[0-9A-Fa-f]+", v):
        return bytes.fromhex(v.decode()), True
    return v, False


def needs_hex(b):
    return any(c == 0x22 or c < 0x21 or c > 0x7e for c in b)


def encode(b, was_hex):
    return b.hex().upper().encode() if was_hex or needs_hex(b) else b'"' + b + b'"'


ARG = re.compile(rb"a(\d+)(?:\[(\d+)\]|(_len))?$")


def parse_raw(out):
    """Lines of a RAW output: (type, stamp, prefix, body)."""
    lines = []
    for line in out.split(b"\n"):
        if not line:
            continue
        m = re.match(rb"((?:node=\S+ )?type=(\S+) msg=audit\(([^)]*)\): ?)(.*)$", line, re.S)
        lines.append((m.group(2), m.group(3), m.group(1), m.group(4)) if m else (None, None, line, b""))
    return lines


def spans_of(line, patterns):
    spans, values = [], 0
    for p in patterns:
        rx = re.compile(p)
        pos = 0
        while pos <= len(line):
            m = rx.search(line, pos)
            if not m:
                break
            if rx.groups == 0:
                if m.end() > m.start():
                    spans.append((m.start(), m.end()))
                    values += 1
            else:
                for g in range(1, rx.groups + 1):
                    if m.start(g) >= 0 and m.end(g) > m.start(g):
                        spans.append((m.start(g), m.end(g)))
                        values += 1
            pos = m.end() if m.end() > pos else pos + 1
    spans.sort()
    merged = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return merged, values


def redact_pieces(pieces, patterns):
    """pieces: list of (key, bytes, new_arg); returns ({key: new bytes}, values)."""
    line, offs = b"", []
    for i, (key, b, new_arg) in enumerate(pieces):
        if i and new_arg:
            line += b" "
        offs.append(len(line))
        line += b
    spans, values = spans_of(line, patterns)
    out = {}
    for (key, b, _), off in zip(pieces, offs):
        cuts = [(max(s, off) - off, min(e, off + len(b)) - off) for s, e in spans
                if max(s, off) < min(e, off + len(b))]
        if cuts:
            nb, pos = b"", 0
            for s, e in cuts:
                nb += b[pos:s] + MARK
                pos = e
            out[key] = nb + b[pos:]
    return out, values


def expected_event(lines, patterns):
    """The event's RAW lines as this script redacts them, and the values."""
    fields = {i: split_body(body) for i, (t, _, _, body) in enumerate(lines)
              if t in (b"EXECVE", b"PROCTITLE", b"USER_CMD")}
    values = 0
    new = {}  # (line, field index) -> new raw value
    # EXECVE: every aN / aN[k] of the event's EXECVE lines, in (N, k) order.
    parts = []
    for i, fl in fields.items():
        if lines[i][0] != b"EXECVE":
            continue
        for k, (name, v) in enumerate(fl):
            m = ARG.match(name) if v is not None else None
            if m and not m.group(3):
                parts.append((int(m.group(1)), int(m.group(2)) if m.group(2) else -1, i, k, v))
    parts.sort(key=lambda p: (p[0], p[1], p[2], p[3]))
    pieces, prev = [], None
    for a, k, i, fk, v in parts:
        b, _ = decoded(v)
        pieces.append(((i, fk), b, prev is None or a != prev[0] or k <= prev[1]))
        prev = (a, k)
    got, n = redact_pieces(pieces, patterns)
    values += n
    grew = {}
    for (i, fk), nb in got.items():
        name, v = fields[i][fk]
        b, was_hex = decoded(v)
        enc = encode(nb, was_hex)
        new[(i, fk)] = enc
        m = ARG.match(name)
        if m.group(2):
            grew[int(m.group(1))] = grew.get(int(m.group(1)), 0) + \
                len(enc) - (0 if enc[:1] != b'"' else 2) - len(v) + (2 if v[:1] == b'"' else 0)
    for i, fl in fields.items():
        for fk, (name, v) in enumerate(fl):
            m = ARG.match(name) if v is not None else None
            if m and m.group(3) and int(m.group(1)) in grew and lines[i][0] == b"EXECVE":
                new[(i, fk)] = str(int(v) + grew[int(m.group(1))]).encode()
    # PROCTITLE: its argv, NUL-separated.
    for i, fl in fields.items():
        if lines[i][0] != b"PROCTITLE":
            continue
        for fk, (name, v) in enumerate(fl):
            if name != b"proctitle" or v is None:
                continue
            b, was_hex = decoded(v)
            args = b.rstrip(b"\0").split(b"\0")
            got, n = redact_pieces([(j, a, True) for j, a in enumerate(args)], patterns)
            values += n
            if got:
                nb = b"\0".join(got.get(j, a) for j, a in enumerate(args))
                new[(i, fk)] = encode(nb, was_hex)
    # USER_CMD: sudo's command, cmd= inside msg='...', one line each.
    for i, fl in fields.items():
        if lines[i][0] != b"USER_CMD":
            continue
        for fk, (name, v) in enumerate(fl):
            if name != b"cmd" or v is None:
                continue
            b, was_hex = decoded(v)
            got, n = redact_pieces([(0, b, True)], patterns)
            values += n
            if got:
                new[(i, fk)] = encode(got[0], was_hex)
    out = []
    for i, (t, stamp, prefix, body) in enumerate(lines):
        if i in fields and any(key[0] == i for key in new):
            where = []
            split_body(body, where)
            nb, pos = b"", 0
            for fk, w in enumerate(where):
                if (i, fk) in new:
                    nb += body[pos:w[0]] + new[(i, fk)]
                    pos = w[1]
            out.append(prefix + nb + body[pos:])
        else:
            out.append(prefix + body)
    return out, values


def events_of(lines):
    """Consecutive lines of one stamp: one event."""
    ev = []
    for l in lines:
        if ev and ev[-1][0][1] == l[1] and l[1] is not None:
            ev[-1].append(l)
        else:
            ev.append([l])
    return ev


def stats_values(err):
    m = re.search(r"redact: events (\d+) values (\d+)", err)
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


# ---- the corpus, RAW ----

flt = os.path.join(tmp, "corpus.filter")
write_filter(flt, PATTERNS)
raw_problems, want_values, want_events, changed_lines, identical = [], 0, 0, 0, 0
redacted_raw = os.path.join(tmp, "redacted.log")
expected_marks = 0
with open(redacted_raw, "wb") as rf:
    for path in inputs:
        st0, plain, _ = run("-f", "raw", path)
        st1, red, err = run("-f", "raw", "--stats", "--filter", flt, path)
        rf.write(red)
        name = os.path.relpath(path, corpus)
        pl, rl = parse_raw(plain), parse_raw(red)
        if st0 != st1 or len(pl) != len(rl):
            raw_problems.append(f"{name}: exit {st0}/{st1}, lines {len(pl)}/{len(rl)}")
            continue
        file_values = 0
        pos = 0
        for ev in events_of(pl):
            want, n = expected_event(ev, PATTERNS)
            file_values += n
            want_events += any(w != l[2] + l[3] for w, l in zip(want, ev))
            for w, l in zip(want, ev):
                got = rl[pos][2] + rl[pos][3]
                pos += 1
                if got != w:
                    raw_problems.append(f"{name}: want {w[:160]!r} got {got[:160]!r}")
                elif w != l[2] + l[3]:
                    changed_lines += 1
                    for _, v in split_body(w[len(l[2]):]):
                        if v is not None:
                            expected_marks += decoded(v)[0].count(MARK)
                else:
                    identical += 1
        want_values += file_values
        got_events, got_values = stats_values(err)
        if got_values != file_values:
            raw_problems.append(f"{name}: --stats values {got_values}, this script {file_values}")
case(f"RAW: {changed_lines} EXECVE/PROCTITLE/USER_CMD lines redacted as this script does, {identical} "
     f"lines byte-identical, {want_values} values (--stats agrees, file by file)",
     changed_lines > 20 and identical > 1000 and not raw_problems, raw_problems)

# ---- JSON ----

json_problems, argvs = [], 0
# One run over every file, with and without the filter (fewer starts of
# needle, which counts under ASan): the events line up one for one.
for _ in [0]:
    _, plain, _ = run(*inputs)
    _, red, _ = run("--filter", flt, *inputs)
    pj, rj = plain.splitlines(), red.splitlines()
    if len(pj) != len(rj) or len(pj) < 9000:
        json_problems.append(f"{len(pj)} lines, {len(rj)} filtered")
        continue
    for a, b in zip(pj, rj):
        if a == b:
            continue
        ea, eb = json.loads(a), json.loads(b)
        for k in set(ea) | set(eb):
            if k in ("records", "how"):
                continue
            if ea.get(k) != eb.get(k):
                json_problems.append(f"{ea.get('id')}: member {k} differs")
        ra, rb = ea.get("records", {}), eb.get("records", {})
        for t in set(ra) | set(rb):
            if t not in ("EXECVE", "PROCTITLE", "USER_CMD") and ra.get(t) != rb.get(t):
                json_problems.append(f"{ea.get('id')}: records.{t} differs")
        for k in set(ea.get("how", {})) | set(eb.get("how", {})):
            if k not in ("argv", "proctitle", "command") and ea["how"].get(k) != eb["how"].get(k):
                json_problems.append(f"{ea.get('id')}: how.{k} differs")
        av = eb.get("how", {}).get("argv") or []
        if "<redacted>" in json.dumps(eb.get("how", {}).get("argv")) or \
           "<redacted>" in json.dumps(eb.get("records", {}).get("PROCTITLE")) or \
           "<redacted>" in json.dumps(eb.get("records", {}).get("USER_CMD")):
            argvs += 1
        else:
            json_problems.append(f"{ea.get('id')}: changed, but no mark in argv or proctitle")
        if eb.get("how", {}).get("argv") and eb["how"]["argv"] != \
           (eb.get("records", {}).get("EXECVE") or {}).get("argv", eb["how"]["argv"]):
            json_problems.append(f"{ea.get('id')}: how.argv and records.EXECVE.argv differ")
case(f"JSON: {argvs} events with redacted argv, proctitle or cmd; every other member as without "
     f"the filter", argvs > 10 and not json_problems, json_problems)

# ---- ausearch reads the redacted RAW log ----
if shutil.which("ausearch"):
    p = subprocess.run(["ausearch", "-i", "--input-logs", "-if", redacted_raw],
                       capture_output=True)
    shown = p.stdout.count(MARK)
    events = p.stdout.count(b"\n----")
    case(f"ausearch -i reads the redacted RAW log: {shown} marks shown (this script put "
         f"{expected_marks} in EXECVE, PROCTITLE and USER_CMD values), {events} events",
         p.returncode == 0 and shown == expected_marks > 0 and events > 1000,
         [p.stderr.decode(errors="replace")[:300]])
else:
    case("ausearch reads the redacted RAW log # SKIP ausearch not installed", True)

# ---- the default filter file: nothing in the corpus ----
# One run over every file (each a log of its own to needle decode): twice
# fewer starts of needle than file by file, which counts under ASan.
st0, plain, _ = run("-f", "raw", *inputs)
st1, red, err = run("-f", "raw", "--stats", "--filter", default_filter, *inputs)
problems = [] if st0 == st1 and plain == red and stats_values(err)[1] == 0 and \
    len(plain) > 1000000 else [f"exit {st0}/{st1}, same {plain == red}, {len(plain)} bytes, "
                               f"{stats_values(err)}"]
case(f"install/needle.filter: nothing redacted in the corpus's {len(inputs)} files, every "
     f"byte as without it", not problems, problems)

report(tmp)
