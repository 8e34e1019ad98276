"""Shared by the decode tests that run `needle decode --stats` on the corpus
(test_filter.py, test_keys.py): the corpus's input files, a run of needle
decode, and the TAP report of the cases."""
import csv, os, subprocess, sys

results = []


def corpus_inputs(corpus):
    """The corpus's input files (tests/data/corpora/SOURCES.tsv)."""
    rows = [r for r in csv.DictReader(open(os.path.join(corpus, "SOURCES.tsv")),
                                      delimiter="\t") if "input" in r["role"]]
    return [os.path.join(corpus, r["file"]) for r in rows]


def case(name, ok, why=()):
    """One TAP case; why (at most 12 lines) is printed when it failed."""
    results.append((name, ok, list(why)[:12]))


def decode(needle, files, *args):
    """needle decode --no-names --stats ARGS FILES: status, stdout, stderr."""
    p = subprocess.run([needle, "decode", "--no-names", "--stats", *args, *files],
                       capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def report(tmp=None):
    """Prints the cases as TAP, removes tmp, exits 0 when all passed."""
    print("TAP version 13")
    print(f"1..{len(results)}")
    for i, (name, ok, why) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
        for w in ([] if ok else why):
            print(f"# {w}")
    if tmp:
        subprocess.run(["rm", "-rf", tmp])
    sys.exit(0 if all(ok for _, ok, _ in results) else 1)
