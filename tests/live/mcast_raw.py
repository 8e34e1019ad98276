#!/usr/bin/env python3
"""Reads the kernel's audit multicast group (read-only, CAP_AUDIT_READ) and
writes every record as a RAW log line, `type=UNKNOWN[N] msg=audit(...): ...`
(auditd's spelling of a type by number, which `needle decode` reads), EOE
records included: the kernel's stream as it is, independent of needle.
Runs until SIGTERM; then prints "overruns N" on stderr (ENOBUFS: records
lost in this reader, which makes the copy incomplete) and exits.
usage: mcast_raw.py OUT"""
import errno, os, signal, socket, struct, sys

AUDIT_NLGRP_READLOG = 1
NETLINK_AUDIT = 9
out = open(sys.argv[1], "wb", buffering=1 << 20)
sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT)
try:
    sock.setsockopt(socket.SOL_SOCKET, 33, 256 << 20)  # SO_RCVBUFFORCE (root)
except OSError:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 << 20)
sock.bind((0, AUDIT_NLGRP_READLOG))
overruns = 0
stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
sock.settimeout(0.2)
ready = sys.argv[2] if len(sys.argv) > 2 else None
if ready:
    open(ready, "w").close()
while not stop:
    try:
        data = sock.recv(1 << 16)
    except socket.timeout:
        continue
    except OSError as e:
        if e.errno == errno.ENOBUFS:
            overruns += 1
            continue
        if e.errno == errno.EINTR:
            continue
        raise
    off = 0
    while off + 16 <= len(data):
        length, mtype, _flags, _seq, _pid = struct.unpack_from("=IHHII", data, off)
        if length < 16 or off + length > len(data):
            break
        body = data[off + 16:off + length].rstrip(b"\0").rstrip(b"\n")
        if body.startswith(b"audit("):
            out.write(b"type=UNKNOWN[%d] msg=%s\n" % (mtype, body))
        off += (length + 3) & ~3
out.close()
print(f"overruns {overruns}", file=sys.stderr)
