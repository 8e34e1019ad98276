#!/usr/bin/env python3
"""auditd's own tools read needle's RAW and ENRICHED output: for every
input log of the corpus, `ausearch --raw` finds the same records in
`needle decode -f raw` and `-f enriched` output as in the input: the same stamps with the same multiplicity, and
the same type for every record whose type the input names (needle writes
libaudit's name where the input had UNKNOWN[n]). EOE records are left out:
needle, like auditd, does not write them.
usage: test_ausearch.py NEEDLE CORPUS_DIR   (TAP output; skips without ausearch)"""
import collections, csv, os, re, shutil, subprocess, sys, tempfile

needle, corpus = sys.argv[1], sys.argv[2]
if not shutil.which("ausearch"):
    print("1..0 # SKIP ausearch not installed (Debian package auditd)")
    sys.exit(77)
rows = [r for r in csv.DictReader(open(os.path.join(corpus, "SOURCES.tsv")), delimiter="\t")
        if "input" in r["role"]]
key = re.compile(rb"^(?:node=\S+ )?type=(\S+) msg=audit\(([0-9.:]+)\)")

def records(path):
    p = subprocess.run(["ausearch", "-if", path, "--raw"], capture_output=True)
    return collections.Counter(m.groups() for m in map(key.match, p.stdout.splitlines())
                               if m and m.group(1) != b"EOE")

def stamps(c):
    out = collections.Counter()
    for (t, s), n in c.items():
        out[s] += n
    return out

print("TAP version 13")
print(f"1..{2 * len(rows)}")
failed = 0
cases = [(fmt, row) for fmt in ("raw", "enriched") for row in rows]
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "needle.log")
    for n, (fmt, row) in enumerate(cases, 1):
        path = os.path.join(corpus, row["file"])
        with open(out, "wb") as f:
            subprocess.run([needle, "decode", "--no-names", "-f", fmt, path], stdout=f,
                           stderr=subprocess.DEVNULL)
        a, b = records(path), records(out)
        named = collections.Counter({k: v for k, v in a.items() if not k[0].startswith(b"UNKNOWN[")})
        if stamps(a) != stamps(b) or named - b:
            failed += 1
            print(f"not ok {n} - {fmt} {row['file']}")
            print(f"# ausearch: input {sum(a.values())} records, needle's {sum(b.values())}; "
                  f"differ: {list((a - b).items())[:3]} / {list((b - a).items())[:3]}")
        else:
            print(f"ok {n} - {fmt} {row['file']} ({sum(a.values())} records found by ausearch in both)")
sys.exit(1 if failed else 0)
