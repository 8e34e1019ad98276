#!/usr/bin/env python3
"""Decodes every input file of tests/data/corpora with `needle decode` and
checks, per file (TAP output):
  - every output line is one valid JSON object with the schema's keys;
  - no record is lost: non-blank input lines = lines that are not records
    + records read, and records read = records in events + EOE + dropped;
  - the events' ids are exactly the (time, serial) keys of the records that
    are not EOE (an event split by the timeout shows its id twice);
  - the exit status is 0 exactly when every line was a record;
  - no sanitizer report on stderr (when needle is a sanitizer build).
usage: test_corpus.py NEEDLE CORPUS_DIR
"""
import csv, json, os, re, subprocess, sys

needle, corpus = sys.argv[1], sys.argv[2]
rows = [r for r in csv.DictReader(open(os.path.join(corpus, "SOURCES.tsv")), delimiter="\t")
        if "input" in r["role"]]
stamp = re.compile(rb"^(?:node=\S+ )?type=(\S+) msg=audit\((\d+\.\d+:\d+)\)")
required = ("id", "serial", "time", "record_count", "records", "who", "what", "where", "how",
            "why", "objects")

print("TAP version 13")
print(f"1..{len(rows)}")
failed = 0
for n, row in enumerate(rows, 1):
    path = os.path.join(corpus, row["file"])
    problems = []
    p = subprocess.run([needle, "decode", "--no-names", "--stats", path], capture_output=True)
    stats = re.search(rb"stats: lines_not_records (\d+) records (\d+) eoe (\d+) events (\d+) "
                      rb"partial_timeout (\d+) partial_evicted (\d+) partial_end (\d+) "
                      rb"dropped_records (\d+)", p.stderr)
    if b"Sanitizer" in p.stderr or b"runtime error" in p.stderr:
        problems.append("sanitizer report: " + p.stderr.decode(errors="replace")[:300])
    if not stats:
        problems.append(f"no stats line (exit {p.returncode}): {p.stderr[:200]!r}")
    else:
        bad, records, eoe, events, pt, pe, pf, dropped = map(int, stats.groups())
        in_events = 0
        ids = set()
        out_lines = p.stdout.splitlines()
        for i, line in enumerate(out_lines, 1):
            try:
                ev = json.loads(line)
            except ValueError as e:
                problems.append(f"output line {i} is not JSON: {e}")
                break
            missing = [k for k in required if k not in ev]
            if missing:
                problems.append(f"output line {i} lacks {missing}")
                break
            in_events += ev["record_count"]
            ids.add(ev["id"])
        data = open(path, "rb").read()
        lines = [l for l in data.split(b"\n") if l.strip()]
        keys = {m.group(2).decode() for m in map(stamp.match, lines) if m and m.group(1) != b"EOE"}
        if len(lines) != bad + records:
            problems.append(f"{len(lines)} non-blank lines != {bad} non-records + {records} records")
        if records != in_events + eoe + dropped:
            problems.append(f"{records} records != {in_events} in events + {eoe} EOE + {dropped} dropped")
        if len(out_lines) != events + pt + pe + pf:
            problems.append(f"{len(out_lines)} lines out != stats' events")
        if ids != keys:
            problems.append(f"event ids differ from record keys: {sorted(ids ^ keys)[:5]}")
        if (p.returncode == 0) != (bad == 0) or p.returncode not in (0, 1):
            problems.append(f"exit {p.returncode} with {bad} non-record lines")
    if problems:
        failed += 1
        print(f"not ok {n} - {row['file']}")
        for pr in problems:
            print(f"# {pr}")
    else:
        print(f"ok {n} - {row['file']} ({len(out_lines)} events, {records} records, {bad} non-record lines)")
sys.exit(1 if failed else 0)
