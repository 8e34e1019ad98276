#!/usr/bin/env python3
"""Fetches needle's /metrics and parses it with prometheus_client's own text
format parser (Debian python3-prometheus-client); prints NAME{labels} VALUE
per sample, so the calling test can check values. Exit 1 when the page does
not parse, a family lacks HELP/TYPE, or a counter is not named *_total.
usage: check_metrics.py URL"""
import sys, urllib.request
from prometheus_client.parser import text_string_to_metric_families

text = urllib.request.urlopen(sys.argv[1], timeout=5).read().decode("utf-8")
families = list(text_string_to_metric_families(text))
bad = []
helps = {l.split()[2] for l in text.splitlines() if l.startswith("# HELP ")}
types = {l.split()[2] for l in text.splitlines() if l.startswith("# TYPE ")}
for f in families:
    if f.name not in helps and f.name + "_total" not in helps:
        bad.append(f"{f.name}: no HELP")
    if f.name not in types and f.name + "_total" not in types:
        bad.append(f"{f.name}: no TYPE")
    for s in f.samples:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
        print(f"{s.name}{{{labels}}} {s.value:.17g}")
    if f.type == "counter" and not any(s.name.endswith("_total") for s in f.samples):
        bad.append(f"{f.name}: a counter not named _total")
print(f"# {len(families)} families parsed", file=sys.stderr)
for b in bad:
    print(f"# {b}", file=sys.stderr)
sys.exit(1 if bad or not families else 0)
