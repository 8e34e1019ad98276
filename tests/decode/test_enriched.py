#!/usr/bin/env python3
"""needle's ENRICHED lines are auditd 3.0.9's, byte for byte, on every record
of the corpus and on records made to hit each rule (TAP output):

 1. every input file of tests/data/corpora, and a generated log of edge
    cases (every socket family and short addresses, uid/gid values at the
    edges of strtoul and int, unknown arches and syscalls, i386 socketcall
    and ipc, records auparse types differently, positions auparse reads
    arch and syscall from): `needle decode -f enriched` must write, for
    each record, its `-f raw` line followed by exactly what auditd's
    format_enrich() appends to that line. That part is computed by
    auditd_enrich.py: auditd's function ported line for line over the
    installed libauparse, the library auditd itself uses. Names come from
    this machine's user database on both sides.
 2. corpus files that carry an ENRICHED part written by auditd on another
    machine: needle's interpretation has the same fields in the same order,
    the same ARCH, SYSCALL and SADDR values and the same "unset" and "root";
    other names cannot be compared across machines and are counted apart.
    Parts written by auditd before 3.0 are named below with what changed.
    Only an older auditd's wording may differ: a file named there must
    still match in everything else.
usage: test_enriched.py NEEDLE CORPUS_DIR
"""
import csv, os, re, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
needle, corpus = sys.argv[1], sys.argv[2]
try:
    import auditd_enrich
except OSError as e:
    print(f"1..0 # SKIP libauparse not loadable ({e}; Debian package libauparse0)")
    sys.exit(77)

rows = [r for r in csv.DictReader(open(os.path.join(corpus, "SOURCES.tsv")), delimiter="\t")
        if "input" in r["role"] and not r["file"].endswith((".yaml", ".json"))]

# ENRICHED parts of the corpus written by auditd 2.x, whose wording 3.0 changed
# (audit-userspace commit c0e038d9 "Finish saddr filter support" renamed fam=
# to saddr_fam=; 4d4c28d9 gave unknown families their number and a dash).
OLDER_AUDITD = {
    "hillu__linux-audit-parser-rs/src__testdata__line-sockaddr-unix.txt": "fam= before 3.0",
    "hillu__linux-audit-parser-rs/src__testdata__line-sockaddr-unix-2.txt": "fam= before 3.0",
    "hillu__linux-audit-parser-rs/src__testdata__line-sockaddr-unknown-1.txt":
        "'unknown family' before 2.8",
    "hillu__linux-audit-parser-rs/src__testdata__line-sockaddr-unknown-2.txt":
        "'unknown family(0)' before 2.8",
}


def edge_cases():
    """Records aimed at each of auparse's rules; stamps must be S.mmm:N."""
    out, n = [], [0]

    def rec(rtype, body):
        n[0] += 1
        out.append(f"type={rtype} msg=audit(1700000000.{n[0] % 1000:03d}:{n[0]}): {body}")

    # every family auparse names, and some it does not, long and short
    for fam in list(range(0, 47)) + [255, 0x100, 0xffff]:
        le = f"{fam & 0xff:02X}{fam >> 8:02X}"
        for tail in ("", "00", "0016", "00167F000001", "00167F0000010000000000000000",
                     "0016000000002001" + "0DB8" + "00" * 10 + "01" + "00000000",
                     "0016000000002001" + "0DB8" + "00" * 10 + "01" + "05000000",
                     "0016000000000000" + "00" * 10 + "FFFF7F000001" + "00000000",
                     "0000" + "39300000" + "01000000", "41424300", "2F746D702F7820792E736F636B",
                     "002F6162737472616374", "4142434445464748494A4B4C4D4E4F505152"):
            # auditd 3.0.9 reads an ATM PVC's interface (bytes 4-5) and an
            # AX.25 call (bytes 2-8) without checking the length, past the
            # end of its buffer for values this short: heap garbage.
            if (fam == 8 and len(le + tail) < 12) or (fam == 3 and len(le + tail) < 18):
                continue
            rec("SOCKADDR", "saddr=" + le + tail)
    rec("SOCKADDR", "saddr=(null)")
    rec("SOCKADDR", "saddr=0")
    rec("SOCKADDR", "saddr=02000016ZZ")
    rec("SOCKADDR", "saddr=0200001")
    rec("SOCKADDR", "saddr=0100" + "41" * 120)
    rec("SOCKADDR", "saddr=01002F746D702F0A6E6C")  # a newline in the path: see below
    # uids and gids at the edges of strtoul and of int
    for v in ("0", "1", "4294967295", "4294967294", "-1", "-2", "2147483648", "4294967296",
              "18446744073709551615", "18446744073709551616", "99999999999999999999999",
              "?", "+5", "007", "12abc", "0x10", " 3"):
        rec("USER_LOGIN", f"pid=1 uid={v} auid={v} ses=1 msg='op=login id={v} exe=\"/bin/x\" "
            f"hostname=? addr=? terminal=? res=success'")
        rec("PATH", f"item=0 name=\"/x\" inode=1 dev=00:01 mode=0100644 ouid={v} ogid={v} "
            f"rdev=00:00 nametype=NORMAL")
    # every uid and gid field name auparse knows, and some it does not
    for f in ("auid uid euid suid fsuid ouid oauid old-auid iuid id inode_uid sauid obj_uid "
              "obj_gid gid egid sgid fsgid ogid igid inode_gid new_gid old_gid new_uid "
              "old_uid UID").split():
        rec("USER_MGMT", f"pid=1 {f}=0 {f}=1 {f}=65534 x=1")
    # record types that change a field's type
    for t in ("ADD_GROUP", "GRP_MGMT", "DEL_GROUP", "ADD_USER", "TRUSTED_APP", "AVC",
              "NETFILTER_PKT", "EXECVE", "KERN_MODULE"):
        rec(t, "pid=1 uid=0 id=0 id=65534 auid=1 a0=1 a1_len=4 argc=2 arch=c000003e "
            "saddr=0200001600000000 gid=0")
    rec("AVC", "avc:  denied  { read write } for  pid=1 comm=\"x\" uid=0 saddr=0200001600000000")
    # arch and syscall where auparse reads them, and where it does not
    for arch in ("c000003e", "40000003", "c00000b7", "80000016", "c0000015", "deadbeef",
                 "0", "zz", "ffffffffffffffffff", "c000003E", "0xc000003e"):
        for sc in ("257", "42", "102", "117", "99999", "-1", "x", "4294967553"):
            for a0 in ("3", "b", "ffffffff", "ffffffffffffffff", "100000003", "zz"):
                rec("SYSCALL", f"arch={arch} syscall={sc} success=no exit=-2 a0={a0} a1=0 "
                    f"a2=0 a3=0 items=0 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 "
                    f"fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"x\" "
                    f"exe=\"/x\" key=(null)")
    rec("SYSCALL", "syscall=59 arch=c000003e success=yes")
    rec("SECCOMP", "auid=0 uid=0 gid=0 ses=1 subj=unconfined pid=1 comm=\"x\" exe=\"/x\" sig=0 "
        "arch=40000003 syscall=102 compat=1 ip=0x0 code=0x0")
    rec("SECCOMP", "auid=0 uid=0 gid=0 ses=1 pid=1 comm=\"x\" exe=\"/x\" sig=0 "
        "arch=40000003 syscall=102 compat=1 ip=0x0 code=0x0")
    rec("SYSCALL", "key=6B3101 arch=c000003e syscall=1 x=1 y=2 z=3 a0=4 b=5 c=6 d=7 e=8 "
        "arch=c000003e syscall=2")
    # auparse's cuts: trailing punctuation, '(' before a name, empty values
    rec("USER_CMD", "pid=1 uid=0, auid=1000: (euid=0) gid=) sgid=0' egid= fsgid=(none) "
        "msg='uid=5 cwd=\"/\" res=success'")
    # a line long enough that auditd runs out of room for its fields
    rec("SYSCALL", "arch=c000003e syscall=2 " + "x=" + "A" * 8900 + " uid=0 gid=0 euid=0")
    rec("SYSCALL", "arch=c000003e syscall=2 " + "x=" + "A" * 9000 + " uid=0")
    return out


# Differences needle keeps on purpose: auditd copies a unix socket path raw,
# so a control byte ends its line; needle writes it \xHH (enrich.h).
def known_difference(raw, want, got):
    unescaped = re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m.group(1), 16)]), got)
    if unescaped != got and unescaped == want:
        return "control bytes of a socket address written \\xHH (they would break auditd's line)"
    return None


def lines_of(fmt, paths):
    p = subprocess.run([needle, "decode", "-f", fmt] + paths, capture_output=True)
    return p.stdout.split(b"\n")[:-1]


def check_files(paths):
    """needle decodes all the files in one run per format (a run per file
    would cost more than the check); RAW and ENRICHED come out in the same
    order."""
    raw, enr = lines_of("raw", paths), lines_of("enriched", paths)
    bad, kept = [], []
    if len(raw) != len(enr):
        return len(raw), [f"{len(raw)} RAW lines but {len(enr)} ENRICHED lines"], kept
    for r, e in zip(raw, enr):
        if not e.startswith(r):
            bad.append(f"ENRICHED line does not start with its RAW line: {e[:120]!r}")
            continue
        want, got = auditd_enrich.enrich(r), e[len(r):]
        if want != got:
            why = known_difference(r, want, got)
            if why:
                kept.append(why)
            else:
                bad.append(f"{r[:100]!r}...\n#   auditd: {want[:300]!r}\n#   needle: {got[:300]!r}")
    return len(raw), bad, kept


def fields(part):
    out = []
    for tok in re.findall(rb'([A-Z0-9_-]+)=("[^"]*"|\{[^}]*\}|\S+)', part):
        out.append(tok)
    return out


def stored_parts(paths):
    """The ENRICHED part auditd wrote for each record that has one, and
    needle's for the same RAW text (one needle run for all files)."""
    src = [l for p in paths for l in open(p, "rb").read().split(b"\n") if b"\x1d" in l]
    with tempfile.NamedTemporaryFile() as t:
        t.write(b"\n".join(l.split(b"\x1d")[0] for l in src) + b"\n")
        t.flush()
        got = {}
        for l in lines_of("enriched", [t.name]):
            raw, _, part = l.partition(b"\x1d")
            got[raw] = part
    return {l.split(b"\x1d")[0]: (l.split(b"\x1d", 1)[1], got.get(l.split(b"\x1d")[0]))
            for l in src}


def check_stored(path, parts):
    """Case 2: against the ENRICHED part auditd wrote elsewhere."""
    compared = names = 0
    bad = []
    for l in open(path, "rb").read().split(b"\n"):
        if b"\x1d" not in l:
            continue
        want, got = parts[l.split(b"\x1d")[0]]
        if got is None:
            bad.append(f"needle wrote no line for {l[:80]!r}")
            continue
        a, b = fields(want), fields(got)
        if [k for k, _ in a] != [k for k, _ in b]:
            bad.append(f"fields {[k for k, _ in a]} != needle's {[k for k, _ in b]}")
            continue
        for (k, va), (_, vb) in zip(a, b):
            if va.startswith(b'"') and va not in (b'"unset"', b'"root"'):
                names += 1
                continue
            compared += 1
            if va != vb:
                bad.append(f"{k.decode()}: auditd {va!r}, needle {vb!r}")
    return compared, names, bad


print("TAP version 13")
stored = [r for r in rows
          if b"\x1d" in open(os.path.join(corpus, r["file"]), "rb").read()]
print(f"1..{2 + len(stored)}")
failed = 0
count, bad, kept = check_files([os.path.join(corpus, r["file"]) for r in rows])
if bad or count == 0:
    failed += 1
    print(f"not ok 1 - corpus: {len(bad)} of {count} records differ from auditd's")
    for b in bad[:8]:
        print(f"#   {b}")
else:
    print(f"ok 1 - corpus: {count} records of {len(rows)} files as auditd writes them")
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "edge.log")
    cases = edge_cases()
    with open(path, "w") as f:
        f.write("\n".join(cases) + "\n")
    count, bad, kept = check_files([path])
    if bad or count != len(cases):
        failed += 1
        print(f"not ok 2 - edge cases: {len(bad)} of {count} (of {len(cases)}) differ")
        for b in bad[:8]:
            print(f"#   {b}")
    else:
        print(f"ok 2 - {count} edge-case records as auditd writes them; kept apart on "
              f"purpose: {len(kept)} ({'; '.join(sorted(set(kept)))})")
parts = stored_parts([os.path.join(corpus, r["file"]) for r in stored])
for n, row in enumerate(stored, 3):
    path = os.path.join(corpus, row["file"])
    compared, names, bad = check_stored(path, parts)
    older = OLDER_AUDITD.get(row["file"])
    if older and bad and all(b.startswith("SADDR:") for b in bad):
        print(f"ok {n} - {row['file']}: written by an older auditd ({older}): {bad[0]}")
    elif bad or compared + names == 0:
        failed += 1
        print(f"not ok {n} - {row['file']}: {bad[:3]}")
    else:
        print(f"ok {n} - {row['file']}: {compared} values as auditd wrote them, {names} names "
              f"of another machine not compared")
sys.exit(1 if failed else 0)
