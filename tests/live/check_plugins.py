#!/usr/bin/env python3
"""What needle's plugins received, against needle's own logs (tests/live/test-plugins.sh).
usage:
  check_plugins.py lines RAW_LOG RECEIVED KEY COUNT
      RECEIVED (a string plugin's input) has RAW_LOG's events, each event's
      lines together and as the log has them, then an EOE line after each
      multi-record event, as auditd sends them; COUNT SYSCALL records carry
      KEY. (With several decoders events are finished in no fixed order
      across decoders, in the log as for a plugin: events are compared, not
      the order between them.)
  check_plugins.py binary RAW_LOG RECEIVED_BIN
      the binary plugin's records: libaudit's header (ver 0, hlen 16) and
      the kernel's text, the same events as RAW_LOG plus the EOEs.
  check_plugins.py syslog RECEIVED SYSLOG_DUMP KEY COUNT
      audisp-syslog logged each line it got (EOE included), event for event.
  check_plugins.py json LOG_JSON DECODED_JSON KEY COUNT
      the af_unix stream, decoded by needle decode, gives the events of
      KEY exactly as needle's JSON log has them (but for the live process
      context, which needle decode cannot know).
  check_plugins.py syslog-sink SOCKET OUT     (a test syslog: one datagram a line)
  check_plugins.py af-unix-read SOCKET        (af_unix's stream to stdout)
Each check prints what it compared and exits 1 on a difference."""
import json, os, re, socket, struct, sys

STAMP = re.compile(r"msg=audit\(([0-9.]+):([0-9]+)\)")


def fail(msg):
    print(msg)
    sys.exit(1)


def read_lines(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "surrogateescape").split("\n")[:-1]


def read_log(path):
    """needle's RAW log without needle's own DAEMON_* records: those are
    written into the logs, not sent through the decoders to the plugins."""
    return [l for l in read_lines(path) if not l.startswith("type=DAEMON_")]


def events(lines, what):
    """The lines grouped by event (a run of lines with one stamp), each
    group in its own order; an event met in two runs is an error: a
    plugin gets each event's records together."""
    groups, seen, order = {}, set(), []
    for l in lines:
        m = STAMP.search(l)
        if not m:
            fail(f"{what}: a line without a stamp: {l[:200]!r}")
        stamp = m.group(0)
        if not order or order[-1] != stamp:
            if stamp in seen:
                fail(f"{what}: the records of {stamp} are not together")
            seen.add(stamp)
            order.append(stamp)
            groups[stamp] = []
        groups[stamp].append(l)
    return groups


def same_events(a, b, what_a, what_b):
    if a == b:
        return
    only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
    differ = [s for s in set(a) & set(b) if a[s] != b[s]]
    fail(f"{what_a} and {what_b} differ: {len(only_a)} events only in the first {only_a[:2]}, "
         f"{len(only_b)} only in the second {only_b[:2]}, {len(differ)} with other records: "
         + (f"{a[differ[0]]!r} against {b[differ[0]]!r}" if differ else ""))


def check_lines(raw_log, received, key, count):
    """Each event as the RAW log has it, its records together and in their
    order, then its EOE (several decoders finish events in their own
    order, in the log as for the plugin)."""
    raw, got = read_log(raw_log), read_lines(received)
    log_events, plugin_events = events(raw, "RAW log"), events(got, "plugin")
    records = {s: [l for l in g if not l.startswith("type=EOE ")] for s, g in plugin_events.items()}
    eoe_last = all(sum(l.startswith("type=EOE ") for l in g) == (g[-1].startswith("type=EOE ")) and
                   (len(g) > 1 or not g[0].startswith("type=EOE ")) for g in plugin_events.values())
    syscalls = [s for s, g in records.items() if g[0].startswith("type=SYSCALL ")]
    eoes = sum(g[-1].startswith("type=EOE ") for g in plugin_events.values())
    keyed = sum(1 for g in records.values() for l in g
                if l.startswith("type=SYSCALL ") and f'key="{key}"' in l)
    print(f"plugin got {len(got)} lines: the RAW log's {len(raw)} records in its {len(log_events)} "
          f"events, each together; {eoes} EOE lines, each after its event's records, "
          f"{len(syscalls)} syscall events; {keyed} SYSCALL records of {key}")
    same_events(records, log_events, "plugin", "RAW log")
    if not eoe_last:
        fail("an EOE not last in its event, or alone")
    if not all(plugin_events[s][-1].startswith("type=EOE ") for s in syscalls):
        fail("a syscall event without its EOE")
    if keyed != count:
        fail(f"{keyed} SYSCALL records of {key}, the load made {count}")


def check_binary(raw_log, received):
    raw = read_log(raw_log)
    data = open(received, "rb").read()
    recs, at = [], 0
    while at < len(data):
        if len(data) - at < 16:
            fail(f"{len(data) - at} bytes at the end: not a header")
        ver, hlen, typ, size = struct.unpack_from("=IIII", data, at)
        if ver != 0 or hlen != 16 or at + hlen + size > len(data):
            fail(f"record {len(recs)}: header ver {ver} hlen {hlen} type {typ} size {size}")
        recs.append((typ, data[at + hlen:at + hlen + size].decode("utf-8", "surrogateescape")))
        at += hlen + size
    texts = ["type=%s msg=%s" % ("SYSCALL" if typ == 1300 else "EOE" if typ == 1320 else typ, t)
             for typ, t in recs]
    # The RAW log's lines with the type as a number but for SYSCALL: the
    # header's type is checked where it is known, the text everywhere.
    want = [("type=SYSCALL msg=" if l.startswith("type=SYSCALL ") else "type=%s msg=") + l.split(" msg=", 1)[1]
            for l in raw]
    got = events(texts, "binary plugin")
    got_records = {s: [l for l in g if not l.startswith("type=EOE ")] for s, g in got.items()}
    eoes = sum(g[-1].startswith("type=EOE ") for g in got.values())
    print(f"binary plugin got {len(recs)} records in {len(got)} events: the kernel's text of the "
          f"RAW log's {len(raw)} records, SYSCALL headers typed 1300; {eoes} EOE")
    other = {s: [l if l.startswith("type=SYSCALL ") else "type=%s msg=" + l.split(" msg=", 1)[1] for l in g]
             for s, g in got_records.items()}
    same_events(other, events(want, "RAW log"), "binary plugin", "RAW log")
    if not eoes:
        fail("no EOE record")


def check_syslog(received, dump, key, count):
    got = [l.rstrip() for l in read_lines(received)]
    logged = []
    for l in read_lines(dump):
        m = re.match(r"<\d+>.*? audisp-syslog: ((?:node=\S+ )?type=.*)$", l)
        if m:
            logged.append(m.group(1).rstrip())
    keyed = sum(1 for l in logged if l.startswith("type=SYSCALL ") and f'key="{key}"' in l)
    print(f"audisp-syslog logged {len(logged)} lines, the plugin's input had {len(got)}, "
          f"event for event; {keyed} SYSCALL records of {key}")
    same_events(events(logged, "syslog"), events(got, "plugin input"), "syslog", "plugin input")
    if keyed != count:
        fail(f"{keyed} SYSCALL records of {key} in syslog, the load made {count}")


def keyed_events(path, key):
    out = {}
    for line in open(path, encoding="utf-8"):
        ev = json.loads(line)
        if key in (ev.get("why", {}).get("keys") or []):
            out[ev["id"]] = ev
    return out


def check_json(log_json, decoded, key, count):
    live, dec = keyed_events(log_json, key), keyed_events(decoded, key)
    print(f"JSON log: {len(live)} events of {key}; af_unix stream through needle decode: {len(dec)}")
    if len(live) != count or set(live) != set(dec):
        fail(f"ids differ: only in the log {sorted(set(live) - set(dec))[:3]}, "
             f"only decoded {sorted(set(dec) - set(live))[:3]}")
    # The live process context (where.ancestors, start_time, container) is
    # needle run's own; every other part must be the same.
    for i, ev in live.items():
        for part in ("serial", "time", "node", "partial", "record_count", "records", "who",
                     "what", "how", "why", "objects"):
            if ev.get(part) != dec[i].get(part):
                fail(f"{i}: {part} {ev.get(part)!r} in the log, {dec[i].get(part)!r} decoded")
        for k in ("pid", "ppid", "ses", "tty", "cwd"):
            if ev.get("where", {}).get(k) != dec[i].get("where", {}).get(k):
                fail(f"{i}: where.{k} differs")
    print(f"the {count} events are the same, part by part")


def syslog_sink(path, out):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)
    with open(out, "ab", buffering=0) as f:
        while True:
            msg = s.recv(65536)
            f.write(msg.replace(b"\n", b" ") + b"\n")


def af_unix_read(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    out = sys.stdout.buffer
    while True:
        d = s.recv(65536)
        if not d:
            break
        out.write(d)
        out.flush()


cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "lines":
    check_lines(args[0], args[1], args[2], int(args[3]))
elif cmd == "binary":
    check_binary(args[0], args[1])
elif cmd == "syslog":
    check_syslog(args[0], args[1], args[2], int(args[3]))
elif cmd == "json":
    check_json(args[0], args[1], args[2], int(args[3]))
elif cmd == "syslog-sink":
    syslog_sink(args[0], args[1])
elif cmd == "af-unix-read":
    af_unix_read(args[0])
else:
    fail(f"unknown check {cmd}")
