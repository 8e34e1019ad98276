#!/usr/bin/env python3
"""Metric names against their one table, daemon/metric-table.h.
usage: test_metric_names.py SOURCE_ROOT    (TAP)

1. No C source but the table has a metric name in a string: metrics.c,
   needle stat and needle-bench take names from the table (whose page and
   look-ups tests/unit/test-metrics.c checks).
2. Every metric README names is in the table, with label values of its
   lists, and README names every metric of the table: in full
   (`needle_sink_events_total`), shortened after a full one of the same
   paragraph (`needle_sink_events_total`, `_written_bytes_total`), or by a
   prefix (`needle_multicast_*`).
3. Every metric name the live tests read (tests/live) is in the table, so a
   check never waits for a metric needle does not have."""
import glob, os, re, sys

root = sys.argv[1]
results = []


def case(name, ok, *why):
    results.append((name, ok, why))


table_path = os.path.join(root, "daemon", "metric-table.h")
table_text = open(table_path, encoding="utf-8").read()
names = re.findall(r'X\((\w+),[\s\\]*"(needle_[a-z0-9_]+)"', table_text)
table = {n for _, n in names}
histograms = {n for n in table if re.search(
    r'"' + n + r'",[\s\\]*HISTOGRAM', table_text)}
# Label names and the values of the fixed lists ("kernel", "whole", ...).
label_names = set()
for m in re.finditer(r'^\s*X\(\w+, "(\w+)", (?:metric_\w+|NULL), \w+, (?:"(\w+)"|NULL)',
                     table_text, re.M):
    label_names.update(x for x in m.groups() if x)
lists = re.sub(r"#define METRIC_TYPES\(X\).*?\n\n", "", table_text, flags=re.S)
values = set(re.findall(r'^\s*X\([A-Z_]+, "([a-z_]+)"\)', lists, re.M))
case(f"the table parsed: {len(table)} metrics, {len(histograms)} histogram, "
     f"labels {sorted(label_names)}, {len(values)} label values",
     len(table) >= 50 and len(histograms) == 1 and {"cause", "shard", "output", "stage", "state"}
     <= label_names and {"kernel", "whole", "rest_of_event", "json"} <= values,
     table_path)


def is_metric(name):
    """In the table, or a part of one of its histograms."""
    if name in table:
        return True
    base = re.sub(r"_(bucket|sum|count)$", "", name)
    return base in histograms


# ---- 1. the sources ----
def strings(path):
    """The string literals of a C file, comments left out, with lines."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    for m in re.finditer(r'"(?:[^"\\\n]|\\.)*"', text):
        yield text.count("\n", 0, m.start()) + 1, m.group(0)


sources = [p for d in ("ringbuf", "decode", "kernel", "context", "pipeline", "daemon", "cli", "bench")
           for p in sorted(glob.glob(os.path.join(root, d, "*.[ch]")))]
typed = [f"{os.path.relpath(p, root)}:{line}: {s[:70]}"
         for p in sources if not p.endswith("metric-table.h")
         for line, s in strings(p) if re.search(r"needle_[a-z]", s)]
case(f"no metric name in a string outside the table ({len(sources)} sources)",
     len(sources) > 40 and not typed, *typed)

# ---- 2. README ----
readme = open(os.path.join(root, "README.md"), encoding="utf-8").read()
mentioned, unknown, bad_labels, shorts = set(), [], [], 0
for para in re.split(r"\n\s*\n", readme):
    last = None
    for span in re.findall(r"`([^`\n]+)`", para):
        m = re.match(r"(needle_[a-z0-9_]*)(\*?)(.*)", span)
        if m:
            name, star, rest = m.groups()
            if star:
                hits = {n for n in table if n.startswith(name)}
                if not hits:
                    unknown.append(f"`{span}`: no metric starts so")
                mentioned |= hits
                continue
            if not is_metric(name):
                unknown.append(f"`{span}`")
                continue
            mentioned.add(re.sub(r"_(bucket|sum|count)$", "", name) if name not in table else name)
            last = name
            for label, first, more in re.findall(r'(\w+)=("[^"]*"|\.\.\.)((?:\|"[^"]*")*)', rest):
                if label not in label_names:
                    bad_labels.append(f"`{span}`: no label {label}")
                for v in re.findall(r'"([^"]*)"', first + more):
                    if v not in values:
                        bad_labels.append(f"`{span}`: {label}=\"{v}\" is not a value of the table")
        elif last and re.fullmatch(r"_[a-z0-9_]+", span):
            # `_written_bytes_total` after `needle_sink_events_total`
            cut = [i for i, c in enumerate(last) if c == "_"][1:]
            full = next((last[:i] + span for i in reversed(cut) if last[:i] + span in table), None)
            if full:
                mentioned.add(full)
                shorts += 1
            else:
                unknown.append(f"`{span}` after `{last}`")
case("README names only metrics of the table", not unknown, *unknown)
case("README's label values are the table's", not bad_labels, *bad_labels)
missing = sorted(table - mentioned)
case(f"README names every metric of the table ({len(mentioned)}, {shorts} shortened)",
     not missing, *missing)

# ---- 3. the live tests ----
stages = "kernel|socket|ring|decoder|event|sink|lost|loss|multicast|process"
live = []
for p in sorted(glob.glob(os.path.join(root, "tests", "live", "*"))):
    if not p.endswith((".sh", ".py")):
        continue
    for n, line in enumerate(open(p, encoding="utf-8"), 1):
        for name in re.findall(r"\b(needle_(?:%s)_[a-z0-9_]*)" % stages, line):
            if not is_metric(name):
                live.append(f"{os.path.relpath(p, root)}:{n}: {name}")
case("the live tests read only metrics of the table", not live, *live)

print("TAP version 13")
print(f"1..{len(results)}")
for i, (name, ok, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok:
        for w in why:
            for line in str(w).splitlines():
                print(f"# {line}")
sys.exit(0 if results and all(ok for _, ok, _ in results) else 1)
