#!/usr/bin/env python3
"""Field decoding cases of issue 11, through `needle decode` (TAP):
  - an EXECVE argument split over records: hex-encoded pieces, whose aN_len
    the kernel gives in hex digits (two per byte), and quoted pieces, whose
    aN_len counts bytes, come out whole; a piece really missing is null;
  - SOCKADDR of a big-endian machine (SYSCALL arch without __AUDIT_ARCH_LE):
    family, port, address (inet, inet6, unix, netlink pid) in the record,
    in objects and in the summary; without a SYSCALL too;
  - repeated names: one key per object, the first value at the name, the
    others in "_repeated"; fields named like needle's own keys (_text,
    _repeated, enriched, argv, _truncated) go to "_repeated" too;
  - old kernels' LOGIN "old auid=X new auid=Y": who.auid is the new one.
Every line is parsed with a JSON parser that rejects duplicate keys.
usage: test_fields.py NEEDLE"""
import json, subprocess, sys

needle = sys.argv[1]
results = []


def check(name, ok, why=""):
    results.append((name, ok, why))


def unique(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError(f"duplicate key in {keys}")
    return dict(pairs)


def decode(lines, fmt="json"):
    p = subprocess.run([needle, "decode", "--no-names", "-f", fmt],
                       input=("\n".join(lines) + "\n").encode(), capture_output=True)
    if b"Sanitizer" in p.stderr or b"runtime error" in p.stderr:
        check("no sanitizer report", False, p.stderr.decode(errors="replace")[:300])
    if fmt != "json":
        return p.returncode, p.stdout.decode(errors="replace").splitlines()
    evs = []
    for line in p.stdout.decode().splitlines():
        try:
            evs.append(json.loads(line, object_pairs_hook=unique))
        except ValueError as e:
            check("JSON with unique keys", False, f"{e}: {line[:200]}")
    return p.returncode, evs


def hexs(b):
    return b.hex().upper()


def sysc(stamp, arch, syscall, extra=""):
    return (f"type=SYSCALL msg=audit({stamp}): arch={arch} syscall={syscall} success=yes exit=0 "
            f"a0=3 a1=4 a2=10 a3=0 items=0 ppid=1 pid=7 auid=0 uid=0 gid=0 euid=0 suid=0 "
            f"fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"c\" exe=\"/bin/c\" key=(null)"
            + extra)


# EXECVE: a 6000-byte argument with a newline is hex-encoded by the kernel
# and split: a1_len=12000 (hex digits), pieces of 3000 bytes in two records.
arg = (b"line one\n" + b"x" * 5991)
h = hexs(arg)
quoted = "Q" * 5000
execve = [
    sysc("200.001:1", "c000003e", 59),
    f"type=EXECVE msg=audit(200.001:1): argc=3 a0=\"prog\" a1_len={len(h)} a1[0]={h[:6000]}",
    f"type=EXECVE msg=audit(200.001:1): a1[1]={h[6000:]} a2_len=5000 a2[0]=\"{quoted[:2500]}\"",
    f"type=EXECVE msg=audit(200.001:1): a2[1]=\"{quoted[2500:]}\"",
    "type=PROCTITLE msg=audit(200.001:1): proctitle=70726F67",
    # the same, with the middle piece of a1 missing: that is a gap
    sysc("200.002:2", "c000003e", 59),
    f"type=EXECVE msg=audit(200.002:2): argc=2 a0=\"prog\" a1_len={len(h)} a1[0]={h[:4000]}",
    f"type=EXECVE msg=audit(200.002:2): a1[2]={h[8000:]}",
    "type=PROCTITLE msg=audit(200.002:2): proctitle=70726F67",
]
rc, evs = decode(execve)
by = {e["id"]: e for e in evs}
argv = by.get("200.001:1", {}).get("records", {}).get("EXECVE", {}).get("argv")
check("hex-encoded split argument (aN_len in hex digits) is whole",
      isinstance(argv, list) and len(argv) == 3 and argv[1] == "line one%0A" + "x" * 5991,
      str(argv)[:200])
check("quoted split argument (aN_len in bytes) is whole",
      isinstance(argv, list) and len(argv) == 3 and argv[2] == quoted, str(argv)[:200])
check("how.argv is the same", by.get("200.001:1", {}).get("how", {}).get("argv") == argv)
gap = by.get("200.002:2", {}).get("records", {}).get("EXECVE", {}).get("argv")
check("a missing piece is a gap",
      isinstance(gap, list) and len(gap) == 2 and isinstance(gap[1], dict) and
      gap[1]["pieces"][1] is None and len(gap[1]["pieces"]) == 3, str(gap)[:200])

# SOCKADDR from big-endian machines: ppc64 (80000015), s390x (80000016).
be_inet = "00020050" + "7F000001" + "00" * 8
be_inet6 = "000A01BB00000000" + "20010DB8000000000000000000000001" + "00000000"
be_unix = "0001" + hexs(b"/run/x.sock") + "00"
be_netlink = "0010" + "0000" + "00003039" + "00000001"
le_inet = "02000050" + "7F000001" + "00" * 8
sock = [
    sysc("300.001:10", "80000015", 42), f"type=SOCKADDR msg=audit(300.001:10): saddr={be_inet}",
    sysc("300.001:11", "80000016", 42), f"type=SOCKADDR msg=audit(300.001:11): saddr={be_inet6}",
    sysc("300.001:12", "80000015", 42), f"type=SOCKADDR msg=audit(300.001:12): saddr={be_unix}",
    sysc("300.001:13", "80000015", 49), f"type=SOCKADDR msg=audit(300.001:13): saddr={be_netlink}",
    sysc("300.001:14", "c000003e", 42), f"type=SOCKADDR msg=audit(300.001:14): saddr={le_inet}",
    f"type=SOCKADDR msg=audit(300.001:15): saddr={be_inet}",  # no SYSCALL: from the bytes
]
rc, evs = decode(sock)
by = {e["id"]: e for e in evs}
want = {
    "300.001:10": {"family": "inet", "addr": "127.0.0.1", "port": 80},
    "300.001:11": {"family": "inet6", "addr": "2001:db8:0:0:0:0:0:1", "port": 443},
    "300.001:12": {"family": "unix", "path": "/run/x.sock"},
    "300.001:13": {"family": "netlink", "pid": 12345, "groups": 1},
    "300.001:14": {"family": "inet", "addr": "127.0.0.1", "port": 80},
    "300.001:15": {"family": "inet", "addr": "127.0.0.1", "port": 80},
}
for id_, w in want.items():
    ev = by.get(id_, {})
    got = (ev.get("records", {}).get("SOCKADDR") or [{}])[0].get("saddr")
    obj = [o.get("addr") for o in ev.get("objects", []) if o.get("type") == "socket"]
    check(f"SOCKADDR {id_} ({w['family']}) in the record and in objects",
          got == w and obj == [w], f"record {got}, objects {obj}")
rc, summary = decode(sock[:2], "summary")
check("summary names the big-endian address", any("inet:127.0.0.1:80" in l for l in summary),
      str(summary)[:200])

# Repeated and reserved names.
rep = [
    "type=DAEMON_START msg=audit(400.001:20) auditd start, ver=1.2.9, format=raw, "
    "auid=4294967295 pid=2166 res=success, auditd pid=21",
    "type=USER_CMD msg=audit(400.001:21): pid=5 uid=0 auid=1000 ses=1 _text=a argv=b "
    "enriched=c _repeated=d _truncated=e msg='cwd=\"/\" cmd=6C73 cwd=\"/x\" _text=t "
    "terminal=pts/0 res=success' pid=6",
    sysc("400.001:22", "c000003e", 59),
    "type=EXECVE msg=audit(400.001:22): argc=2 a0=\"a\" a1=\"b\" argv=\"x\"",
    "type=EXECVE msg=audit(400.001:22): argc=3 a0=\"z\"",
    "type=PROCTITLE msg=audit(400.001:22): proctitle=61 argv=7A",
]
rc, evs = decode(rep)
by = {e["id"]: e for e in evs}
ds = by.get("400.001:20", {}).get("records", {}).get("DAEMON_START", {})
check("repeated pid: the first at the name, the second in _repeated",
      ds.get("pid") == "2166" and ds.get("_repeated") == [["pid", "21"]], str(ds))
check("where.pid is the first pid", by.get("400.001:20", {}).get("where", {}).get("pid") == 2166)
uc = by.get("400.001:21", {}).get("records", {}).get("USER_CMD", {})
check("fields named like needle's own keys go to _repeated",
      uc.get("_repeated") == [["_text", "a"], ["enriched", "c"], ["_repeated", "d"],
                              ["_truncated", "e"], ["pid", "6"]] and uc.get("argv") == "b",
      str(uc.get("_repeated")))
msg = uc.get("msg", {})
check("repeats inside msg='...' too",
      msg.get("cwd") == "/" and msg.get("cmd") == "ls" and
      msg.get("_repeated") == [["cwd", "/x"], ["_text", "t"]], str(msg))
ex = by.get("400.001:22", {}).get("records", {}).get("EXECVE", {})
check("EXECVE records merged: argc and a0 once, the others in _repeated",
      ex.get("argc") == "2" and ex.get("a0") == "a" and ex.get("argv") == ["a", "b"] and
      ex.get("_repeated") == [["argv", "x"], ["argc", "3"], ["a0", "z"]], str(ex))
pt = by.get("400.001:22", {}).get("records", {}).get("PROCTITLE", {})
check("PROCTITLE's own argv kept apart from a field named argv",
      pt.get("argv") == ["a"] and pt.get("_repeated") == [["argv", "7A"]], str(pt))

# Old LOGIN format: who.auid is the new login uid.
rc, evs = decode([
    "type=LOGIN msg=audit(500.001:30): login pid=13015 uid=0 old auid=4294967295 new auid=0 "
    "old ses=4294967295 new ses=5",
    "type=LOGIN msg=audit(500.001:31): pid=1 uid=0 subj=x old-auid=4294967295 auid=1000 "
    "tty=(none) old-ses=4294967295 ses=3 res=1",
])
by = {e["id"]: e for e in evs}
for id_, auid, ses in (("500.001:30", 0, 5), ("500.001:31", 1000, 3)):
    ev = by.get(id_, {})
    rec = ev.get("records", {}).get("LOGIN", {})
    check(f"LOGIN {id_}: who.auid {auid}, where.ses {ses}, old-auid kept",
          ev.get("who", {}).get("auid") == auid and ev.get("where", {}).get("ses") == ses and
          rec.get("old-auid") == "4294967295", str(rec))

if not results:
    results.append(("nothing was checked", False, ""))
print("TAP version 13")
print(f"1..{len(results)}")
for i, (name, ok, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok and why:
        print(f"# {why}")
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
