#!/usr/bin/env python3
"""`needle decode --filter` on the real logs of tests/data/corpora, against
verdicts this script works out itself from needle's unfiltered JSON of the
same input (the who/what/where/how/why/objects blocks and the records), with
its own reading of the rules (TAP output):
  - for each filter file: the ids written to stdout and to the --divert
    file are, in order, those this script expects; --stats' account adds
    up (events = written + diverted + dropped = the unfiltered events) and
    each rule's hits are the events it decided here;
  - rate=: on a log of real events kept in time order, exactly the events a
    plain token bucket (burst tokens, refilled at the rate) lets through,
    and never more than burst + rate x w in any w seconds;
  - keep-first-per-process: every process's first matching event written,
    a repeat written only when another pid shares its slot of the table;
  - a bad filter file: every error at its line, exit status 2; divert
    rules without --divert, --divert without --filter: exit status 2.
usage: test_filter.py NEEDLE CORPUS_DIR
"""
import fnmatch, ipaddress, json, os, re, sys, tempfile

import decodetest
from decodetest import case, corpus_inputs, report

needle, corpus = sys.argv[1], sys.argv[2]
inputs = corpus_inputs(corpus)
HTTPD = os.path.join(corpus, "SELinuxProject__selinux",
                     "python__sepolgen__tests__test_data__httpd.log")
tmp = tempfile.mkdtemp(prefix="needle-filter-test-")


def decode(files, *args):
    return decodetest.decode(needle, files, *args)


def events_of(out):
    return [json.loads(line) for line in out.splitlines()]


def unescape(s):
    """needle's JSON values: %XX for the bytes it escaped (outbuf.h)."""
    b = s.encode()
    return re.sub(rb"%([0-9A-F]{2})", lambda m: bytes([int(m.group(1), 16)]), b)


# ---- this script's own reading of a rule: NAME=V,V or NAME!=V,V ----

UNSET = 4294967295
ERRNO = {"EACCES": -13, "EPERM": -1, "ENOENT": -2}


def num_ranges(values, conv=int):
    out = []
    for v in values:
        m = re.fullmatch(r"(-?\d+)-(-?\d+)", v)
        out.append((conv(m.group(1)), conv(m.group(2))) if m else (conv(v), conv(v)))
    return out


def id_value(v):
    if v == "unset":
        return UNSET
    return int(v)


def text_match(pattern, value):
    p = pattern.encode()
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(value, p)
    return value == p


def path_match(pattern, value):
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(value, pattern.encode())
    p = pattern.rstrip("/").encode() or b"/"
    if p == b"/":
        return value.startswith(b"/")
    return value == p or value.startswith(p + b"/")


def ev_id(e, name):
    v = e["who"].get(name)
    if isinstance(v, str):
        try:
            v = int(v)
        except ValueError:
            return None
    return UNSET if v == -1 else v


def sockets(e):
    return [o["addr"] for o in e["objects"]
            if o["type"] == "socket" and o["addr"].get("family") in ("inet", "inet6")]


def in_net(net, addr):
    n = ipaddress.ip_network(net, strict=False)
    a = ipaddress.ip_address(addr)
    if a.version == 6 and n.version == 4 and a.ipv4_mapped:
        a = a.ipv4_mapped
    return a.version == n.version and a in n


def success_of(e):
    w = e["what"]
    if "success" in w:
        return w["success"]
    r = w.get("result")
    return {"success": True, "1": True, "yes": True,
            "failed": False, "0": False, "no": False}.get(r)


def field_values(e, rtype, field):
    recs = e["records"].get(rtype)
    recs = recs if isinstance(recs, list) else [recs] if recs else []
    out = []
    for r in recs:  # the field at the top, else inside msg='...' (nested)
        v = r.get(field, r.get("msg", {}).get(field) if isinstance(r.get("msg"), dict) else None)
        if isinstance(v, str):
            out.append(unescape(v))
    return out


def holds(term, e):
    neg = "!=" in term
    name, vals = term.split("!=" if neg else "=", 1)
    vals = vals.split(",")
    w, how = e["what"], e["how"]
    if name == "type":
        r = any(v in e["records"] for v in vals)
    elif name == "key":
        keys = [unescape(k) for k in e["why"].get("keys", [])]
        r = (not keys and "none" in vals) or any(
            text_match(v, k) for v in vals if v != "none" for k in keys)
    elif name == "syscall":
        r = isinstance(w.get("syscall"), str) and w["syscall"] in vals
    elif name == "success":
        s = success_of(e)
        r = s is not None and ("yes" if s else "no") in vals
    elif name == "exit":
        x = w.get("exit") if "syscall" in w or "syscall_nr" in w else None
        r = x is not None and any(lo <= x <= hi for lo, hi in num_ranges(
            [str(ERRNO[v]) if v in ERRNO else v for v in vals]))
    elif name in ("uid", "auid", "euid"):
        x = ev_id(e, name)
        r = x is not None and any(lo <= x <= hi for lo, hi in num_ranges(vals, id_value))
    elif name in ("exe", "comm"):
        r = name in how and any(text_match(v, unescape(how[name])) for v in vals)
    elif name == "path":
        r = any(path_match(v, unescape(o["path"])) for o in e["objects"]
                if o["type"] == "path" and "path" in o for v in vals)
    elif name == "addr":
        r = any(in_net(v, s["addr"]) for s in sockets(e) for v in vals)
    elif name == "port":
        r = any(lo <= s["port"] <= hi for s in sockets(e) for lo, hi in num_ranges(vals))
    elif "." in name:
        rtype, field = name.split(".", 1)
        r = any(v.encode() == x for x in field_values(e, rtype, field) for v in vals)
    else:
        raise ValueError(f"this script does not read {name}")
    return r != neg


def expect(rules, events):
    """(written ids, diverted ids, hits per rule) for rules without limits."""
    written, diverted, hits = [], [], [0] * len(rules)
    for e in events:
        for i, rule in enumerate(rules):
            action, *terms = rule.split()
            if all(holds(t, e) for t in terms):
                hits[i] += 1
                if action == "keep":
                    written.append(e["id"])
                elif action == "divert":
                    diverted.append(e["id"])
                break
        else:
            written.append(e["id"])
    return written, diverted, hits


def stats_of(err):
    m = re.search(r"filter: events (\d+) written (\d+) diverted (\d+) dropped (\d+)", err)
    hits = [int(h) for h in re.findall(r"filter: rule \S+:\d+ hits (\d+)", err)]
    return (tuple(int(x) for x in m.groups()) if m else None), hits


rc0, out0, _ = decode(inputs)
everything = events_of(out0)
case(f"the corpus decodes to {len(everything)} events", len(everything) > 9000)

FILTERS = {
    "no key": ["drop key=none"],
    "a key": ["drop key!=none"],
    "types and syscalls, first match wins": [
        "drop type=AVC,USER_AVC", "keep type=SYSCALL success=yes",
        "divert exit=EACCES,EPERM", "drop syscall=open,openat,stat,connect"],
    "ids": ["drop uid=0 auid=unset", "divert auid=1000-60000", "drop euid=1-999"],
    "exe, comm, paths": ["drop exe=/usr/sbin/*", "keep comm=http*", "divert path=*.so*",
                         "drop path=/etc", "drop path=/usr/lib/", "drop path=/var/spool/post",
                         "keep path=/lib64"],
    "sockets": ["divert addr=169.254.0.0/16 port=80", "keep addr=::/0",
                "drop port=1-1023", "drop addr=0.0.0.0/0"],
    "record fields, negation": ["drop SYSCALL.tty=(none) success!=yes",
                                "divert PATH.nametype=NORMAL", "drop USER_AUTH.res=failed"],
    "everything": ["drop"],
}
for name, rules in FILTERS.items():
    fpath = os.path.join(tmp, "f")
    dpath = os.path.join(tmp, "diverted")
    with open(fpath, "w") as f:
        f.write("# " + name + "\n" + "\n".join(rules) + "\n")
    rc, out, err = decode(inputs, "--filter", fpath, "--divert", dpath)
    got_w = [e["id"] for e in events_of(out)]
    got_d = [e["id"] for e in events_of(open(dpath, "rb").read())]
    want_w, want_d, want_hits = expect(rules, everything)
    acct, hits = stats_of(err)
    why = []
    if got_w != want_w:
        why.append(f"written: {len(got_w)}, expected {len(want_w)}; first differences: "
                   f"{sorted(set(got_w) ^ set(want_w))[:5]}")
    if got_d != want_d:
        why.append(f"diverted: {len(got_d)}, expected {len(want_d)}; differences: "
                   f"{sorted(set(got_d) ^ set(want_d))[:5]}")
    if acct != (len(everything), len(want_w), len(want_d),
                len(everything) - len(want_w) - len(want_d)):
        why.append(f"account {acct}, expected events {len(everything)} written "
                   f"{len(want_w)} diverted {len(want_d)}")
    if hits != want_hits:
        why.append(f"hits per rule {hits}, expected {want_hits}")
    if rc != rc0:
        why.append(f"exit status {rc}, unfiltered {rc0}")
    decided = sum(want_hits)
    case(f"{name}: {len(want_w)} written, {len(want_d)} diverted, "
         f"{len(everything) - len(want_w) - len(want_d)} dropped; {decided} decided by a rule",
         not why and 0 < decided, why)


# ---- rate=: a log of real events in time order ----

def ms_of(line):
    m = re.search(rb"msg=audit\((\d+)\.(\d+):", line)
    return int(m.group(1)) * 1000 + int(m.group(2)) if m else None


ordered = os.path.join(tmp, "ordered.log")
with open(HTTPD, "rb") as f, open(ordered, "wb") as o:
    last = 0
    for line in f:  # the records whose time does not go back
        t = ms_of(line)
        if t is not None and t >= last:
            o.write(line)
            last = t
_, out, _ = decode([ordered])
ordered_events = events_of(out)
RATE, BURST = 2, 5
rule = f"drop exe=/usr/sbin/httpd rate={RATE}/s burst={BURST}"
with open(os.path.join(tmp, "rate"), "w") as f:
    f.write(rule + "\n")
rc, out, err = decode([ordered], "--filter", os.path.join(tmp, "rate"))
got = [e["id"] for e in events_of(out)]
want, passed_times = [], []
level, last, interval = None, None, 10**9 // RATE  # level in ns of tokens
for e in ordered_events:
    if not holds("exe=/usr/sbin/httpd", e):
        want.append(e["id"])
        continue
    sec, rest = e["id"].split(".")
    t = (int(sec) * 1000 + int(rest.split(":")[0])) * 10**6
    level = BURST * interval if level is None else min(BURST * interval, level + t - last)
    last = t
    if level >= interval:
        level -= interval
        want.append(e["id"])
        passed_times.append(t)
worst = 0
for i, t in enumerate(passed_times):  # the most in any window of w from t
    for j in range(i, len(passed_times)):
        w = (passed_times[j] - t) / 1e9
        worst = max(worst, (j - i + 1) - (BURST + RATE * w))
m = re.search(r"hits (\d+) keep (\d+) rate (\d+)", err)
case(f"rate={RATE}/s burst={BURST}: {len(passed_times)} of the matches written, as a token "
     f"bucket lets through",
     got == want and worst <= 0 and m and int(m.group(1)) == int(m.group(2)) + int(m.group(3))
     and int(m.group(2)) == len(passed_times) and 0 < len(passed_times) < int(m.group(1)),
     [f"written {len(got)}, expected {len(want)}; differences "
      f"{sorted(set(got) ^ set(want))[:5]}", f"excess over burst + rate x w: {worst}",
      f"stats: {m.group(0) if m else err}"])


# ---- keep-first-per-process ----

FIRST = "success=no"
rule = "keep-first-per-process " + FIRST
with open(os.path.join(tmp, "first"), "w") as f:
    f.write(rule + "\n")
rc, out, err = decode([HTTPD], "--filter", os.path.join(tmp, "first"))
_, out0, _ = decode([HTTPD])
all_httpd = events_of(out0)
got = set(e["id"] for e in events_of(out))
ideal_first, extra_ok, seen, pids, problems = set(), set(), set(), set(), []
for e in all_httpd:
    pid, w = e["where"].get("pid"), e["what"]
    if w.get("syscall", "").startswith("execve") and w.get("success") and pid:
        seen.discard(pid)
    if holds(FIRST, e):
        pids.add(pid)
        if not pid or pid not in seen:
            ideal_first.add(e["id"])
        seen.add(pid)
    if w.get("syscall") in ("exit", "exit_group") and pid:
        seen.discard(pid)
slots = {}
for p in pids:
    slots.setdefault(p % 8192 if p else 0, set()).add(p)
for e in all_httpd:
    matched = holds(FIRST, e)
    if not matched and e["id"] not in got:
        problems.append(f"{e['id']} dropped without matching")
    if e["id"] in ideal_first and e["id"] not in got:
        problems.append(f"{e['id']}: a process's first match, not written")
    if matched and e["id"] in got and e["id"] not in ideal_first:
        if len(slots[e["where"]["pid"] % 8192]) < 2:
            problems.append(f"{e['id']}: a repeat written, its pid shares no slot")
m = re.search(r"hits (\d+) first (\d+) keep-first-per-process (\d+)", err)
extra = len(got) - (len(all_httpd) - sum(1 for e in all_httpd if holds(FIRST, e))) - len(ideal_first)
case(f"keep-first-per-process: {len(ideal_first)} firsts of {len(pids)} processes written, "
     f"{extra} repeats written again after another pid took their slot, "
     f"{m.group(3) if m else '?'} repeats dropped",
     not problems and m and int(m.group(3)) > 0 and
     len(got) == len(all_httpd) - int(m.group(3)), problems)


# ---- bad files and combinations ----

bad = os.path.join(tmp, "bad")
with open(bad, "w") as f:
    f.write("drop key=ok\nerase key=x\n# fine\ndrop port=99999\ndrop path=rel ative\n")
rc, out, err = decode([inputs[0]], "--filter", bad)
want = [f"needle decode: {bad}:2: unknown action 'erase'",
        f"needle decode: {bad}:4: port=99999: expected a port",
        f"needle decode: {bad}:5: path=rel: expected an absolute path"]
case("a bad filter file: every error at its line, exit status 2, nothing decoded",
     rc == 2 and all(w in err for w in want) and not out and err.count("\n") == 3,
     [f"exit {rc}", err])
with open(os.path.join(tmp, "div"), "w") as f:
    f.write("drop key=x\ndivert key=none\n")
rc, out, err = decode([inputs[0]], "--filter", os.path.join(tmp, "div"))
case("divert rules need --divert", rc == 2 and ":2: divert: give --divert FILE" in err,
     [f"exit {rc}", err])
rc, out, err = decode([inputs[0]], "--divert", os.path.join(tmp, "x"))
case("--divert needs --filter", rc == 2 and "--divert needs --filter" in err, [f"exit {rc}", err])
rc, out, err = decode([inputs[0]], "--filter", os.path.join(tmp, "missing"))
case("a missing filter file: exit status 2, named as the filter file", rc == 2 and "filter file " in err and "cannot open" in err, [f"exit {rc}", err])

report(tmp)
