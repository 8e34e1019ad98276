#!/usr/bin/env python3
"""Hostile input to `needle decode`: file names and arguments that hold
newlines, quotes, backslashes, 'type=' and 'msg=audit(', invalid UTF-8,
8 KiB arguments, truncated and glued records. Checks, for json, raw and
summary output: one line per event, valid JSON, no forged event, and the
untrusted bytes come back exactly after undoing needle's %XX escaping.
usage: test_hostile.py NEEDLE   (TAP output)
"""
import json, re, subprocess, sys

needle = sys.argv[1]

def hexs(b):
    return b.hex().upper()

def unescape(s):
    # needle's reversible escaping: %XX -> byte, everything else as UTF-8.
    out, i, raw = bytearray(), 0, s.encode("utf-8")
    while i < len(raw):
        if raw[i:i+1] == b"%" and i + 2 < len(raw) + 1 and re.match(rb"[0-9A-F]{2}", raw[i+1:i+3]):
            out.append(int(raw[i+1:i+3], 16)); i += 3
        else:
            out.append(raw[i]); i += 1
    return bytes(out)

FORGED = b'x\ntype=SYSCALL msg=audit(9.999:666): syscall=59 key="forged"\n'
EVIL_NAME = b'/tmp/a "quoted" back\\slash %41 \xff\xfe ' + FORGED
BIG_ARG = b"A" * 8192
lines = [
    # 1: a PATH whose name is hostile (the kernel hex-encodes it)
    b'type=SYSCALL msg=audit(100.001:1): arch=c000003e syscall=257 success=no exit=-2 pid=5 comm="x" exe="/bin/x" key="k"',
    b'type=CWD msg=audit(100.001:1): cwd="/tmp/dragon"',
    b'type=PATH msg=audit(100.001:1): item=0 name=' + hexs(EVIL_NAME).encode() + b' nametype=UNKNOWN',
    b'type=PROCTITLE msg=audit(100.001:1): proctitle=' + hexs(b"x\0" + EVIL_NAME).encode(),
    # 2: execve with an 8 KiB argument and a hostile one
    b'type=SYSCALL msg=audit(100.002:2): arch=c000003e syscall=59 success=yes exit=0 pid=6 comm="sh" exe="/bin/sh" key=(null)',
    b'type=EXECVE msg=audit(100.002:2): argc=3 a0="sh" a1=' + hexs(BIG_ARG).encode() + b' a2=' + hexs(FORGED).encode(),
    b'type=PROCTITLE msg=audit(100.002:2): proctitle=7368',
    # 3: a user-space message with quotes and type=/msg= inside msg='...'
    b"type=USER_CMD msg=audit(100.003:3): pid=7 uid=0 msg='cwd=\"/\" cmd=\"echo type=SYSCALL msg=audit(9.9:777)\" res=success'",
    # 4: truncated record (cut mid-field), ends by the end of input
    b'type=SYSCALL msg=audit(100.004:4): arch=c000003e syscall=2 success=no exit=-13 a0=7ffd1 comm="tr',
    # 5: two records glued on one line: one record with odd fields, not two events
    b'type=USER_LOGIN msg=audit(100.005:5): pid=8 uid=0 res=success type=USER_LOGIN msg=audit(100.005:888): pid=9',
]
data = b"\n".join(lines) + b"\n"
expected_ids = ["100.001:1", "100.002:2", "100.003:3", "100.005:5", "100.004:4"]

results = []
def check(name, ok, why=""):
    results.append((name, ok, why))

def run(fmt):
    return subprocess.run([needle, "decode", "--no-names", "-f", fmt], input=data, capture_output=True)

p = run("json")
out = p.stdout.split(b"\n")
check("json: exit 0", p.returncode == 0, p.stderr.decode(errors="replace")[:200])
check("json: output ends with a newline", p.stdout.endswith(b"\n"))
def unique(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError(f"a key twice in {keys}")
    return dict(pairs)

events = []
try:
    events = [json.loads(l, object_pairs_hook=unique) for l in out if l]
    check("json: every line is valid JSON, no key twice in an object", True)
except ValueError as e:
    check("json: every line is valid JSON, no key twice in an object", False, str(e))
ids = [e["id"] for e in events]
check("json: exactly the 5 events, none forged", sorted(ids) == sorted(expected_ids), str(ids))
check("json: no forged key anywhere", not any("forged" in (e.get("why", {}).get("keys") or []) for e in events))
by_id = {e["id"]: e for e in events}
ev1 = by_id.get("100.001:1", {})
name = ev1.get("records", {}).get("PATH", [{}])[0].get("name", "")
check("json: hostile file name round-trips through %XX", unescape(name) == EVIL_NAME, repr(name[:80]))
check("json: the hostile absolute path is the object's path",
      unescape(ev1.get("objects", [{}])[0].get("path", "")) == EVIL_NAME, str(ev1.get("objects"))[:120])
argv = by_id.get("100.002:2", {}).get("how", {}).get("argv", [])
check("json: 8 KiB argument intact", len(argv) == 3 and argv[1] == "A" * 8192, str(len(argv)))
check("json: hostile argument round-trips", len(argv) == 3 and unescape(argv[2]) == FORGED)
msg = by_id.get("100.003:3", {}).get("records", {}).get("USER_CMD", {}).get("msg", {})
check("json: nested msg kept with its type=/msg= text", isinstance(msg, dict) and "msg=audit(9.9:777)" in msg.get("cmd", ""), str(msg)[:120])
check("json: truncated record still one event", "100.004:4" in by_id)

p = run("raw")
raw_lines = p.stdout.split(b"\n")[:-1]
check("raw: one line per record", len(raw_lines) == len(lines), f"{len(raw_lines)} lines")
check("raw: every line starts with type=", all(l.startswith(b"type=") for l in raw_lines))
check("raw: no line starts with the forged record", not any(b"9.999:666" in l.split(b" msg=")[1][:20] for l in raw_lines if b" msg=" in l))

p = run("enriched")
enr_lines = p.stdout.split(b"\n")[:-1]
check("enriched: one line per record", len(enr_lines) == len(lines), f"{len(enr_lines)} lines")
check("enriched: every line starts with type=", all(l.startswith(b"type=") for l in enr_lines))

p = run("summary")
sum_lines = p.stdout.split(b"\n")[:-1]
check("summary: one line per event", len(sum_lines) == 5, f"{len(sum_lines)} lines")
check("summary: no raw newline or forged text at a line start", all(not l.startswith(b"type=") for l in sum_lines))

print("TAP version 13")
print(f"1..{len(results)}")
for i, (name, ok, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok and why:
        print(f"# {why}")
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
