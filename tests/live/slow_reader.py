#!/usr/bin/env python3
"""A slow sink for live tests: copies FIFO to OUT at about RATE bytes/s
until the file GO exists, then as fast as it can, until end of file.
usage: slow_reader.py FIFO OUT RATE GO"""
import os, sys, time

fifo, out, rate, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
chunk = 4096
with open(fifo, "rb", buffering=0) as src, open(out, "wb") as dst:
    while True:
        data = src.read(65536 if os.path.exists(go) else chunk)
        if not data:
            break
        dst.write(data)
        if not os.path.exists(go):
            time.sleep(len(data) / rate)
