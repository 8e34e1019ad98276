#!/usr/bin/env python3
"""Decodes every input file of tests/data/corpora with `needle decode` and
checks, per file (TAP output):
  - every output line is one valid JSON object with the schema's keys, and
    no object in it has a key twice (a parser that rejects duplicates);
  - no record is lost silently: non-blank input lines = lines that are not
    records + records read, and records read = records in events + EOE +
    dropped + left out (late: their event was already written);
  - the events' ids are exactly the (time, serial, node) keys of the records
    that are not EOE, and no id is written twice;
  - the exit status is 0 exactly when every line was a record and every
    record was written;
  - no sanitizer report on stderr (when needle is a sanitizer build).
usage: test_corpus.py NEEDLE CORPUS_DIR
"""
import collections, csv, json, os, re, subprocess, sys

needle, corpus = sys.argv[1], sys.argv[2]
rows = [r for r in csv.DictReader(open(os.path.join(corpus, "SOURCES.tsv")), delimiter="\t")
        if "input" in r["role"]]
if not rows:
    print("TAP version 13\n1..1\nnot ok 1 - no input file listed in SOURCES.tsv")
    sys.exit(1)
stamp = re.compile(rb"^(?:node=(\S+) )?type=(\S+) msg=audit\((\d+\.\d+:\d+)\)")


class DuplicateKey(ValueError):
    pass


def unique_keys(pairs):
    seen = set()
    for k, _ in pairs:
        if k in seen:
            raise DuplicateKey(f"key {k!r} twice in one object")
        seen.add(k)
    return dict(pairs)

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
                      rb"dropped_records (\d+) late_dropped (\d+)", p.stderr)
    if b"Sanitizer" in p.stderr or b"runtime error" in p.stderr:
        problems.append("sanitizer report: " + p.stderr.decode(errors="replace")[:300])
    if not stats:
        problems.append(f"no stats line (exit {p.returncode}): {p.stderr[:200]!r}")
    else:
        bad, records, eoe, events, pt, pe, pf, dropped, late = map(int, stats.groups())
        in_events = 0
        ids = collections.Counter()
        out_lines = p.stdout.splitlines()
        for i, line in enumerate(out_lines, 1):
            try:
                ev = json.loads(line, object_pairs_hook=unique_keys)
            except ValueError as e:
                problems.append(f"output line {i} is not JSON with unique keys: {e}")
                break
            missing = [k for k in required if k not in ev]
            if missing:
                problems.append(f"output line {i} lacks {missing}")
                break
            in_events += ev["record_count"]
            ids[(ev["id"], ev.get("node"))] += 1
        data = open(path, "rb").read()
        lines = [l for l in data.split(b"\n") if l.strip()]
        keys = {(m.group(3).decode(), m.group(1).decode() if m.group(1) else None)
                for m in map(stamp.match, lines) if m and m.group(2) != b"EOE"}
        if len(lines) != bad + records:
            problems.append(f"{len(lines)} non-blank lines != {bad} non-records + {records} records")
        if records != in_events + eoe + dropped + late:
            problems.append(f"{records} records != {in_events} in events + {eoe} EOE + "
                            f"{dropped} dropped + {late} late")
        if len(out_lines) != events + pt + pe + pf:
            problems.append(f"{len(out_lines)} lines out != stats' events")
        twice = [k for k, c in ids.items() if c > 1]
        if twice:
            problems.append(f"ids written twice: {twice[:5]}")
        if set(ids) != keys:
            problems.append(f"event ids differ from record keys: {sorted(set(ids) ^ keys)[:5]}")
        clean = bad == 0 and late == 0
        if (p.returncode == 0) != clean or p.returncode not in (0, 1):
            problems.append(f"exit {p.returncode} with {bad} non-record lines, {late} late records")
    if problems:
        failed += 1
        print(f"not ok {n} - {row['file']}")
        for pr in problems:
            print(f"# {pr}")
    else:
        print(f"ok {n} - {row['file']} ({len(out_lines)} events, {records} records, "
              f"{bad} non-record lines, {late} late)")
sys.exit(1 if failed else 0)
