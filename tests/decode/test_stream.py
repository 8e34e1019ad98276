#!/usr/bin/env python3
"""`needle decode` reading a pipe, as it would behind auditd's af_unix or
stdin plugin: events are written as they end, not when the input ends.
The input is fed one event at a time and the next is held back until the
event's line came out (or 5 s passed):
  - auditd's log (no EOE): until needle has seen 16 records of other
    events after a PROCTITLE without an EOE, it cannot tell from the
    records that the log has none (assemble.c, LOG_EOE_PROBE); reading a
    stream that goes quiet for 100 ms it writes the events held for an EOE
    (decode-cmd.c, STREAM_IDLE_MS), so none waits for later traffic.
  - the kernel's stream (--eoe): each event comes out at its EOE.
In both, every event is written once in the end.
usage: test_stream.py NEEDLE   (TAP output)
"""
import select, subprocess, sys, time

needle = sys.argv[1]
EVENTS = 12        # 4 records each: 48 records, well past the probe's 16


def event(n, eoe):
    stamp = f"msg=audit(1700000000.{n:03d}:{1000 + n})"
    recs = [f'type=SYSCALL {stamp}: arch=c000003e syscall=257 success=no exit=-2 pid={100 + n} '
            f'comm="cat" exe="/usr/bin/cat" key="stream"',
            f'type=CWD {stamp}: cwd="/tmp"',
            f'type=PATH {stamp}: item=0 name="/nonexistent/{n}" nametype=UNKNOWN',
            f'type=PROCTITLE {stamp}: proctitle=636174']
    if eoe:
        recs.append(f"type=EOE {stamp}: ")
    return ("\n".join(recs) + "\n").encode()


def feed(eoe):
    """Returns, per event, whether its line came out before the next event
    was sent, and the ids written in all."""
    args = [needle, "decode", "--no-names", "-f", "raw"] + (["--eoe"] if eoe else [])
    p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    out, at_once = b"", []
    for n in range(EVENTS):
        p.stdin.write(event(n, eoe))
        p.stdin.flush()
        want = f"msg=audit(1700000000.{n:03d}:{1000 + n}): proctitle".encode()
        deadline = time.monotonic() + 5
        while want not in out and time.monotonic() < deadline:
            ready, _, _ = select.select([p.stdout], [], [], 0.05)
            if ready:
                chunk = p.stdout.read1(65536)
                if not chunk:
                    break
                out += chunk
        at_once.append(want in out)
    rest, err = p.communicate(timeout=30)
    out += rest
    written = [n for n in range(EVENTS)
               if out.count(f"msg=audit(1700000000.{n:03d}:{1000 + n}): proctitle".encode()) == 1]
    return at_once, written, p.returncode, err


results = []
for eoe, name in ((False, "auditd log"), (True, "--eoe")):
    at_once, written, status, err = feed(eoe)
    late = [n for n, ok in enumerate(at_once) if not ok]
    results.append((f"{name}: every event written once, exit 0", status == 0 and len(written) == EVENTS,
                    f"exit {status}, written {written}, stderr {err[:200]!r}"))
    results.append((f"{name}: each event is out before the next comes", not late,
                    f"waited for the next event: {late}"))

print("TAP version 13")
print(f"1..{len(results)}")
for i, (name, ok, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok:
        print(f"# {why}")
sys.exit(0 if results and all(ok for _, ok, _ in results) else 1)
