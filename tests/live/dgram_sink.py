#!/usr/bin/python3
"""A unix datagram socket of a live test: systemd's NOTIFY_SOCKET, or a
syslog socket standing in for /dev/log.

usage: dgram_sink.py SOCKET OUT [--on TEXT CMD...]

Binds SOCKET, writes OUT as soon as it is bound ("bound" alone on its first
line), then one line per datagram: the monotonic time in milliseconds, a tab,
the datagram with newlines written as \\n. With --on, the first datagram that
has TEXT as one of its lines runs CMD at once and adds a line "on<TAB>" and
CMD's output (newlines as \\n): a test reads the kernel's state at the moment
needle said READY=1. Runs until SIGTERM or SIGINT.
"""
import os
import signal
import socket
import subprocess
import sys
import time

path, out_path = sys.argv[1], sys.argv[2]
on_text, on_cmd = None, None
if len(sys.argv) > 3:
    if sys.argv[3] != "--on" or len(sys.argv) < 6:
        sys.exit(__doc__)
    on_text, on_cmd = sys.argv[4], sys.argv[5:]

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
try:
    os.unlink(path)
except FileNotFoundError:
    pass
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
os.chmod(path, 0o666)
out = open(out_path, "w", encoding="utf-8", errors="backslashreplace")
out.write("bound\n")
out.flush()
try:
    while True:
        data = sock.recv(65536)
        now = time.monotonic_ns() // 1000000
        text = data.decode("utf-8", "backslashreplace")
        out.write(f"{now}\t" + text.replace("\\", "\\\\").replace("\n", "\\n") + "\n")
        out.flush()
        if on_text is not None and on_text in text.split("\n"):
            r = subprocess.run(on_cmd, capture_output=True, text=True)
            out.write("on\t" + (r.stdout + r.stderr).replace("\n", "\\n") + "\n")
            out.flush()
            on_text = None
except KeyboardInterrupt:
    pass
