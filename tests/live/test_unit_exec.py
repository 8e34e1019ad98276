#!/usr/bin/python3
"""unit_exec.py's drop-ins against systemd's own reading of them (TAP; any
user; no kernel): for the unit and sets of drop-ins, the capability sets
unit_exec.py would apply are compared with what `systemd-analyze security
--offline=true` says of the same files, laid out as systemd finds them
(needle.service and needle.service.d/*.conf): each of its
"CapabilityBoundingSet=~CAP_..." lines is marked exposed exactly when the
merged bounding set holds one of those capabilities, its
"AmbientCapabilities=" line exactly when the ambient set is not empty. The
sets are read from the setpriv arguments unit_exec.py would run. The
cases: the unit alone; the drop-in shipped for laurel; the man page's
AND NOT ("~"); the empty value (the empty set) and a later line; "~" alone
(the full set, but CAP_SYSLOG: ProtectKernelLogs takes it); two drop-ins given in the wrong order (applied by file
name). And the list keys: ReadWritePaths adds up over the drop-ins, the
empty value resets it; a key of one value takes the last.
usage: test_unit_exec.py UNIT LAUREL_DROPIN"""
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("unit_exec", os.path.join(here, "unit_exec.py"))
unit_exec = importlib.util.module_from_spec(spec)
spec.loader.exec_module(unit_exec)

unit, laurel = sys.argv[1], sys.argv[2]
results = []


def check(name, ok, why=""):
    results.append((name, ok, why))


def security(folder):
    """systemd's verdicts: {pattern: exposed} for the capability lines."""
    out = subprocess.run(["systemd-analyze", "security", "--offline=true", "needle.service"],
                         cwd=folder, capture_output=True, text=True).stdout
    res = {}
    for line in out.splitlines():
        m = re.match(r"^([✓✗]) ((?:CapabilityBoundingSet|AmbientCapabilities)=\S*)", line)
        if m:
            res[m.group(2)] = m.group(1) == "✗"
    return res


def matches(pattern, caps):
    """The capabilities (setpriv's names) a line such as
    CapabilityBoundingSet=~CAP_(DAC_*|FOWNER|IPC_OWNER) is about."""
    body = pattern.split("=~", 1)[1].removeprefix("CAP_").lower().replace("*", "[a-z_]*")
    return {c for c in caps if re.fullmatch(body, c)}


def case(name, dropins, given_order=None):
    """dropins: [(file name, text)]; given_order: the order passed to
    unit_exec (default: as listed)."""
    with tempfile.TemporaryDirectory() as top:
        shutil.copy(unit, os.path.join(top, "needle.service"))
        d = os.path.join(top, "needle.service.d")
        os.mkdir(d)
        paths = []
        for fname, text in dropins:
            with open(os.path.join(d, fname), "w", encoding="utf-8") as f:
                f.write(text)
            paths.append(os.path.join(d, fname))
        if given_order:
            paths = [paths[i] for i in given_order]
        keys, _ = unit_exec.load_unit(os.path.join(top, "needle.service"), paths)
        args, _ = unit_exec.capability_args(keys)
        verdicts = security(top)
    full = unit_exec.capability_lines(["~"])
    bset, amb = full, set()
    for flag, spec in zip(args, args[1:]):
        if flag in ("--bounding-set", "--ambient-caps"):
            got = {c[1:] for c in spec.split(",") if c.startswith("+")}
            bset, amb = (got, amb) if flag == "--bounding-set" else (bset, got)
    wrong = []
    for pattern, exposed in sorted(verdicts.items()):
        if pattern.startswith("AmbientCapabilities"):
            ours = bool(amb)
        else:
            ours = bool(matches(pattern, full) & bset)
        if ours != exposed:
            wrong.append(f"{pattern}: systemd {'exposed' if exposed else 'not'}, unit_exec "
                         f"{'exposed' if ours else 'not'}")
    lines = sum(p.startswith("CapabilityBoundingSet") for p in verdicts)
    check(f"{name}: unit_exec's bounding set ({len(bset)} capabilities) and ambient set "
          f"({len(amb)}) agree with systemd-analyze security's {lines} capability lines",
          lines >= 20 and not wrong, "\n".join(wrong) or f"{len(verdicts)} lines read")
    return bset, amb


base, _ = case("the unit alone", [])
with open(laurel, encoding="utf-8") as f:
    text = f.read()
bset, _ = case("the unit and the drop-in shipped for laurel", [("laurel.conf", text)])
check("the laurel drop-in adds setuid setgid fowner dac_read_search to the unit's set",
      bset - base == {"setuid", "setgid", "fowner", "dac_read_search"} and base <= bset,
      f"added {sorted(bset - base)}")
bset, _ = case("a line prefixed with ~ takes capabilities away (AND NOT)",
               [("a.conf", "[Service]\nCapabilityBoundingSet=~CAP_SYS_PTRACE CAP_NET_ADMIN\n")])
check("~CAP_SYS_PTRACE CAP_NET_ADMIN: both gone, the rest kept",
      bset == base - {"sys_ptrace", "net_admin"}, f"{sorted(bset)}")
bset, amb = case("the empty value is the empty set; a later line adds to it",
                 [("a.conf", "[Service]\nCapabilityBoundingSet=\nAmbientCapabilities=\n"
                             "CapabilityBoundingSet=CAP_KILL\n")])
check("empty, then CAP_KILL: only kill; no ambient capability",
      bset == {"kill"} and not amb, f"{sorted(bset)} {sorted(amb)}")
bset, _ = case("~ alone is the full set", [("a.conf", "[Service]\nCapabilityBoundingSet=~\n")])
check("~ alone: every capability but syslog, which the unit's ProtectKernelLogs takes away",
      bset == unit_exec.capability_lines(["~"]) - {"syslog"}, f"{len(bset)}")
bset, _ = case("drop-ins are applied by file name, not in the order given",
               [("10-reset.conf", "[Service]\nCapabilityBoundingSet=\n"),
                ("20-mknod.conf", "[Service]\nCapabilityBoundingSet=CAP_MKNOD\n")],
               given_order=[1, 0])
check("20-mknod.conf after 10-reset.conf whatever the order given: only mknod",
      bset == {"mknod"}, f"{sorted(bset)}")

with tempfile.TemporaryDirectory() as top:
    files = {"a.conf": "[Service]\nReadWritePaths=/a\nUMask=0027\n",
             "b.conf": "[Service]\nReadWritePaths=/b -/c\nUMask=0022\n",
             "c.conf": "[Service]\nReadWritePaths=\nReadWritePaths=/d\n"}
    for fname, t in files.items():
        with open(os.path.join(top, fname), "w", encoding="utf-8") as f:
            f.write(t)
    p = [os.path.join(top, x) for x in ("a.conf", "b.conf")]
    keys, _ = unit_exec.load_unit(unit, p)
    kept = keys.get("ReadWritePaths"), keys.get("UMask", [None])[-1]
    keys, _ = unit_exec.load_unit(unit, p + [os.path.join(top, "c.conf")])
    reset = keys.get("ReadWritePaths")
check("ReadWritePaths adds up over drop-ins (with its - prefix), the empty value resets it; "
      "UMask takes the last",
      kept == (["/a", "/b -/c"], "0022") and reset == ["/d"], f"{kept} {reset}")

for i, (name, ok, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok:
        for line in why.splitlines():
            print(f"# {line}")
print(f"1..{len(results)}")
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
