#!/usr/bin/python3
"""Runs a systemd unit's ExecStart as systemd would, where systemd is not
PID 1 (these test machines): the options of the unit's [Service] section
that needle.service uses are applied from the unit file itself, and the
process then becomes the service (exec), so a test sees its pid, its exit
status and its datagrams on NOTIFY_SOCKET.

usage: unit_exec.py UNIT --binary PATH --config PATH --logs-dir DIR
                    [--dropin FILE]... [--watchdog-sec S] [--env NAME=VALUE]...
                    [--which EXEC]

  drop-ins         each --dropin FILE is read after the unit, in the order
                   of the files' names as systemd orders a unit's drop-ins
                   (systemd.unit(5)), merged as systemd merges them
                   (systemd.exec(5)): a key that takes a list (ReadWritePaths,
                   SystemCallFilter, RestrictAddressFamilies, ExecStart...)
                   adds to it and the empty value resets it; a key of one
                   value takes the last; CapabilityBoundingSet and
                   AmbientCapabilities lines are merged by OR, by AND NOT
                   when prefixed with "~", the empty value is the empty set
                   and "~" alone the full set

  ExecStart        parsed with shell quoting; its program is replaced by
                   --binary and the argument after -c by --config (the
                   unit's own paths are the installed ones)
  environment      a clean one, as systemd gives: PATH, NOTIFY_SOCKET (from
                   the caller), WATCHDOG_USEC from WatchdogSec (--watchdog-sec
                   in its place, as a drop-in would), WATCHDOG_PID this pid,
                   RUNTIME_DIRECTORY, LOGS_DIRECTORY; and --env
  mount namespace  (PrivateMounts) ProtectSystem=strict: every mount read-only
                   but /dev, /proc, /sys and the writable paths
                   (RuntimeDirectory under /run, LogsDirectory as --logs-dir,
                   ReadWritePaths: one missing is refused as systemd fails the
                   unit, but with a "-" prefix, which skips it);
                   ProtectHome=read-only; ProtectKernelTunables
                   (/proc/sys, /proc/sysrq-trigger, /sys read-only);
                   ProtectControlGroups (/sys/fs/cgroup read-only);
                   ProtectKernelLogs (/dev/kmsg, /proc/kmsg inaccessible)
  UMask
  seccomp          SystemCallFilter (groups expanded by `systemd-analyze
                   syscall-filter`), SystemCallErrorNumber,
                   SystemCallArchitectures=native, RestrictAddressFamilies,
                   MemoryDenyWriteExecute, RestrictNamespaces, LockPersonality,
                   RestrictRealtime, RestrictSUIDSGID (of the latter, only the
                   chmod calls: systemd also checks the mode of open and mkdir)
  capabilities     CapabilityBoundingSet, AmbientCapabilities,
                   NoNewPrivileges: by setpriv(1), which then execs the
                   service

Any other key of [Service] is named on stderr as not applied ("not
emulated: ..."), so a test's output says what it did not check. With
--which ExecStartPost, that command instead (same treatment).
"""
import argparse
import ctypes
import errno
import os
import shlex
import subprocess
import sys

import seccomp

SERVICE_KEYS_APPLIED = {
    "Type", "NotifyAccess", "WatchdogSec", "ExecStart", "ExecStartPost", "RuntimeDirectory",
    "RuntimeDirectoryMode", "LogsDirectory", "LogsDirectoryMode", "ReadWritePaths", "UMask",
    "CapabilityBoundingSet", "AmbientCapabilities", "NoNewPrivileges", "ProtectSystem",
    "ProtectHome", "ProtectKernelTunables", "ProtectControlGroups", "ProtectKernelLogs",
    "PrivateMounts", "RestrictAddressFamilies", "SystemCallFilter", "SystemCallErrorNumber",
    "SystemCallArchitectures", "MemoryDenyWriteExecute", "RestrictNamespaces",
    "LockPersonality", "RestrictRealtime", "RestrictSUIDSGID",
}
# What the caller (the test) does itself, as systemd's manager would.
SERVICE_KEYS_MANAGER = {"ExecReload", "KillMode", "Restart", "RestartPreventExitStatus",
                        "RuntimeDirectoryPreserve"}

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_SLAVE = 32, 4096, 16384, 1 << 19
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
CLONE_NEWNS = 0x00020000
CLONE_NS_FLAGS = 0x7E020080  # NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWTIME

libc = ctypes.CDLL(None, use_errno=True)


def die(msg):
    sys.stderr.write(f"unit_exec: {msg}\n")
    sys.exit(2)


# Keys whose lines systemd merges as capability sets (capability_lines()).
CAP_KEYS = ("CapabilityBoundingSet", "AmbientCapabilities")


def parse_unit(path, keys=None):
    """[Service] keys, each to the list of its values in order, added to
    keys (a unit, then its drop-ins: see merge())."""
    section, keys = None, {} if keys is None else keys
    for raw in open(path, encoding="utf-8"):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]":
            k, _, v = line.partition("=")
            keys.setdefault(k.strip(), []).append(v.strip())
    return keys


def merge(keys):
    """systemd's rule for a key given more than once (the unit, then its
    drop-ins): the empty value resets the key (a list emptied, a single
    value back to its default); the capability keys keep every line, for
    capability_lines()."""
    res = {}
    for k, values in keys.items():
        if k in CAP_KEYS:
            res[k] = values
            continue
        last_reset = max((i for i, v in enumerate(values) if v == ""), default=-1)
        kept = values[last_reset + 1:]
        if kept:
            res[k] = kept
    return res


def load_unit(unit, dropins):
    """The unit's [Service] keys with its drop-ins merged in (merge()),
    and the drop-ins in the order applied: systemd's, by file name
    whatever the folder (systemd.unit(5))."""
    keys = parse_unit(unit)
    dropins = sorted(dropins, key=os.path.basename)
    for d in dropins:
        parse_unit(d, keys)
    return merge(keys), dropins


def capability_lines(lines):
    """The set a CapabilityBoundingSet= or AmbientCapabilities= key gives
    (systemd.exec(5)): None when no line sets it; the empty value is the
    empty set, "~" alone the full set; a line adds its capabilities (OR),
    one prefixed with "~" takes them away (AND NOT), the first line of
    either kind starting from nothing, or from the full set with "~"."""
    if not lines:
        return None
    full = set(subprocess.run(["setpriv", "--list-caps"], capture_output=True, text=True,
                              check=True).stdout.split())
    cur = None
    for v in lines:
        if v == "":
            cur = set()
            continue
        if v == "~":
            cur = set(full)
            continue
        invert = v.startswith("~")
        names = {c.lower().removeprefix("cap_") for c in v.lstrip("~").split()}
        if names - full:
            die(f"capabilities unknown to setpriv: {' '.join(sorted(names - full))}")
        if invert:
            cur = (set(full) if cur is None else cur) - names
        else:
            cur = (set() if cur is None else cur) | names
    return cur


def words(keys, k):
    return [w for v in keys.get(k, []) for w in v.split()]


def yes(keys, k):
    v = keys.get(k, ["no"])[-1].lower()
    return v in ("yes", "true", "1", "on")


def mount(src, target, fstype, flags, data=None):
    if libc.mount(src.encode() if src else None, target.encode(),
                  fstype.encode() if fstype else None, flags,
                  data.encode() if data else None) != 0:
        e = ctypes.get_errno()
        die(f"mount {src} {target} flags {flags:#x}: {os.strerror(e)}")


def mounts():
    """(mount point, per-mount flags) of this namespace, outermost first."""
    flag_of = {"ro": MS_RDONLY, "nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
               "noatime": MS_NOATIME, "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME}
    res = []
    for line in open("/proc/self/mountinfo", encoding="utf-8"):
        f = line.split()
        point = f[4].encode().decode("unicode_escape")
        flags = sum(flag_of.get(o, 0) for o in f[5].split(","))
        res.append((point, flags))
    return sorted(res, key=lambda m: m[0].count("/"))


def under(path, top):
    return path == top or path.startswith(top.rstrip("/") + "/")


def remount_ro(point, flags):
    mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | (flags & ~MS_RDONLY))


def bind_self(path):
    mount(path, path, None, MS_BIND | MS_REC)


def make_ro(path):
    """path and every mount below it read-only (bound onto itself first
    when it is not a mount point, so only it changes)."""
    if not os.path.exists(path):
        return
    if not any(p == path for p, _ in mounts()):
        bind_self(path)
    for point, flags in mounts():
        if under(point, path):
            remount_ro(point, flags)


def inaccessible(path, node):
    if os.path.exists(path):
        mount(node, path, None, MS_BIND)


def sandbox_mounts(keys, rw_paths, scratch):
    applied = []
    node = os.path.join(scratch, "inaccessible")
    if yes(keys, "ProtectKernelLogs"):
        with open(node, "w"):
            pass
        os.chmod(node, 0)
    if libc.unshare(CLONE_NEWNS) != 0:
        die(f"unshare: {os.strerror(ctypes.get_errno())}")
    mount(None, "/", None, MS_REC | MS_SLAVE)
    applied.append("PrivateMounts (a mount namespace)")
    for p in rw_paths:
        bind_self(p)
    strict = keys.get("ProtectSystem", ["no"])[-1]
    if strict == "strict":
        for point, flags in mounts():
            if any(under(point, api) for api in ("/dev", "/proc", "/sys")):
                continue
            if any(under(point, p) for p in rw_paths):
                continue
            remount_ro(point, flags)
        applied.append("ProtectSystem=strict (writable: " + " ".join(rw_paths) + ")")
    elif strict != "no":
        die(f"ProtectSystem={strict}: only strict is emulated")
    home = keys.get("ProtectHome", ["no"])[-1]
    if home == "read-only":
        for p in ("/home", "/root", "/run/user"):
            make_ro(p)
        applied.append("ProtectHome=read-only")
    elif home != "no":
        die(f"ProtectHome={home}: only read-only is emulated")
    if yes(keys, "ProtectKernelTunables"):
        for p in ("/proc/sys", "/proc/sysrq-trigger", "/sys"):
            make_ro(p)
        applied.append("ProtectKernelTunables")
    if yes(keys, "ProtectControlGroups"):
        make_ro("/sys/fs/cgroup")
        applied.append("ProtectControlGroups")
    if yes(keys, "ProtectKernelLogs"):
        inaccessible("/dev/kmsg", node)
        inaccessible("/proc/kmsg", node)
        applied.append("ProtectKernelLogs")
    return applied


def syscall_groups():
    out = subprocess.run(["systemd-analyze", "syscall-filter"], capture_output=True,
                         text=True, check=True).stdout
    groups, cur = {}, None
    for line in out.splitlines():
        if line.startswith("@"):
            cur = line.split()[0]
            groups[cur] = []
        elif cur and line.startswith("    ") and not line.strip().startswith("#"):
            groups[cur].append(line.split()[0])
    return groups


def expand(names, groups, seen=None):
    seen = set() if seen is None else seen
    res = set()
    for n in names:
        if n.startswith("@"):
            if n in seen:
                continue
            if n not in groups:
                die(f"SystemCallFilter: unknown group {n}")
            seen.add(n)
            res |= expand(groups[n], groups, seen)
        else:
            res.add(n)
    return res


def errno_of(name):
    v = getattr(errno, name, None)
    if v is None:
        die(f"SystemCallErrorNumber={name}: unknown")
    return v


def address_families():
    import socket
    return {n: getattr(socket, n) for n in dir(socket) if n.startswith("AF_")}


def sandbox_seccomp(keys):
    applied = []
    filters = keys.get("SystemCallFilter", [])
    if not filters:
        return applied
    groups = syscall_groups()
    allow = set()
    for v in filters:
        if v.startswith("~"):
            allow -= expand(v[1:].split(), groups)
        else:
            allow |= expand(v.split(), groups)
    err = errno_of(keys.get("SystemCallErrorNumber", ["EPERM"])[-1])
    f = seccomp.SyscallFilter(defaction=seccomp.ERRNO(err))
    if keys.get("SystemCallArchitectures", ["native"])[-1] != "native":
        die("SystemCallArchitectures: only native is emulated")
    # Syscalls with conditions of their own: no unconditional allow.
    special = {}
    fams = words(keys, "RestrictAddressFamilies")
    if fams:
        known = address_families()
        allowed = {known[a] for a in fams if a in known}
        if len(allowed) != len(fams):
            die(f"RestrictAddressFamilies: unknown family in {fams}")
        rules = []
        for fam in range(0, 64):
            act = seccomp.ALLOW if fam in allowed else seccomp.ERRNO(errno.EAFNOSUPPORT)
            rules.append((act, [seccomp.Arg(0, seccomp.EQ, fam)]))
        special["socket"] = rules
        applied.append("RestrictAddressFamilies=" + " ".join(fams))
    if yes(keys, "MemoryDenyWriteExecute"):
        wx = 0x2 | 0x4  # PROT_WRITE | PROT_EXEC
        for sc, arg in (("mmap", 2), ("mprotect", 2), ("pkey_mprotect", 2)):
            special[sc] = [(seccomp.ALLOW, [seccomp.Arg(arg, seccomp.MASKED_EQ, wx, v)])
                           for v in (0, 0x2, 0x4)]
        special["shmat"] = [(seccomp.ALLOW, [seccomp.Arg(2, seccomp.MASKED_EQ, 0o100000, 0)])]
        applied.append("MemoryDenyWriteExecute")
    if yes(keys, "RestrictNamespaces"):
        special["clone"] = [(seccomp.ALLOW,
                             [seccomp.Arg(0, seccomp.MASKED_EQ, CLONE_NS_FLAGS, 0)])]
        # systemd answers clone3 with ENOSYS (its flags are out of reach):
        # glibc then falls back to clone.
        special["clone3"] = [(seccomp.ERRNO(errno.ENOSYS), [])]
        special["unshare"] = []
        special["setns"] = []
        applied.append("RestrictNamespaces")
    if yes(keys, "LockPersonality"):
        special["personality"] = [(seccomp.ALLOW, [seccomp.Arg(0, seccomp.EQ, v)])
                                  for v in (0, 0xFFFFFFFF)]
        applied.append("LockPersonality")
    if yes(keys, "RestrictRealtime"):
        # SCHED_OTHER, SCHED_BATCH, SCHED_IDLE; FIFO, RR and DEADLINE refused.
        special["sched_setscheduler"] = [(seccomp.ALLOW, [seccomp.Arg(1, seccomp.EQ, v)])
                                         for v in (0, 3, 5)]
        applied.append("RestrictRealtime")
    if yes(keys, "RestrictSUIDSGID"):
        sugid = 0o6000
        for sc, arg in (("chmod", 1), ("fchmod", 1), ("fchmodat", 2)):
            special[sc] = [(seccomp.ALLOW, [seccomp.Arg(arg, seccomp.MASKED_EQ, sugid, 0)])]
        applied.append("RestrictSUIDSGID (chmod calls)")
    for sc in sorted(allow):
        if sc in special:
            continue
        try:
            f.add_rule(seccomp.ALLOW, sc)
        except (RuntimeError, ValueError):
            pass  # a name this architecture does not have
    for sc, rules in special.items():
        if sc not in allow and sc != "clone3":
            continue
        for act, args in rules:
            try:
                f.add_rule(act, sc, *args)
            except (RuntimeError, ValueError):
                pass
    f.load()
    applied.append(f"SystemCallFilter ({len(allow)} syscalls), "
                   f"SystemCallErrorNumber={errno.errorcode[err]}, SystemCallArchitectures=native")
    return applied


def capability_args(keys):
    args, applied = [], []
    bset = capability_lines(keys.get("CapabilityBoundingSet"))
    amb = capability_lines(keys.get("AmbientCapabilities"))
    if yes(keys, "ProtectKernelLogs"):
        # systemd.exec(5): it also takes CAP_SYSLOG out of the bounding set.
        bset = (capability_lines(["~"]) if bset is None else bset) - {"syslog"}
    if bset is not None:
        spec = ",".join(["-all"] + ["+" + c for c in sorted(bset)])
        args += ["--bounding-set", spec]
        applied.append("CapabilityBoundingSet=" + " ".join(sorted(bset)))
    if amb is not None:
        spec = ",".join(["-all"] + ["+" + c for c in sorted(amb)])
        args += ["--inh-caps", spec, "--ambient-caps", spec]
        applied.append("AmbientCapabilities=" + " ".join(sorted(amb)))
    if yes(keys, "NoNewPrivileges"):
        args.append("--no-new-privs")
        applied.append("NoNewPrivileges")
    return args, applied


def watchdog_usec(text):
    units = {"us": 1, "ms": 1000, "s": 1000000, "sec": 1000000, "min": 60000000}
    for u in sorted(units, key=len, reverse=True):
        if text.endswith(u):
            return int(float(text[: -len(u)]) * units[u])
    return int(float(text) * 1000000)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("unit")
    ap.add_argument("--binary", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--logs-dir", required=True)
    ap.add_argument("--dropin", action="append", default=[])
    ap.add_argument("--watchdog-sec")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--which", default="ExecStart")
    a = ap.parse_args()
    keys, dropins = load_unit(a.unit, a.dropin)

    execs = keys.get(a.which, [])
    if len(execs) != 1:
        die(f"{a.which}: {len(execs)} lines in {a.unit}; expected one")
    argv = shlex.split(execs[0])
    if not argv or argv[0][0] in "-@+!:|":
        die(f"{a.which}={execs[0]}: prefixes are not emulated")
    if os.path.basename(argv[0]) != os.path.basename(a.binary):
        die(f"{a.which} runs {argv[0]}, not {os.path.basename(a.binary)}")
    argv[0] = a.binary
    if "-c" in argv:
        argv[argv.index("-c") + 1] = a.config
    else:
        die(f"{a.which}={execs[0]}: no -c CONFIG to replace")

    unknown = sorted(set(keys) - SERVICE_KEYS_APPLIED - SERVICE_KEYS_MANAGER)
    if unknown:
        sys.stderr.write("unit_exec: not emulated: " + ", ".join(unknown) + "\n")

    rundir = None
    for d in words(keys, "RuntimeDirectory"):
        rundir = "/run/" + d
        os.makedirs(rundir, exist_ok=True)
        os.chmod(rundir, int(keys.get("RuntimeDirectoryMode", ["0755"])[-1], 8))
    os.makedirs(a.logs_dir, exist_ok=True)
    if keys.get("LogsDirectoryMode"):
        os.chmod(a.logs_dir, int(keys["LogsDirectoryMode"][-1], 8))
    rw = [p for p in [rundir, a.logs_dir] if p]
    for p in words(keys, "ReadWritePaths"):
        missing_ok = p.startswith("-")
        p = p.removeprefix("-")
        if p.startswith("+"):
            die(f"ReadWritePaths=+{p[1:]}: paths under RootDirectory= are not emulated")
        if os.path.exists(p):
            rw.append(p)
        elif not missing_ok:
            die(f"ReadWritePaths={p}: no such path (systemd fails the unit: 226/NAMESPACE)")

    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "LOGS_DIRECTORY": a.logs_dir, "WATCHDOG_PID": str(os.getpid())}
    if rundir:
        env["RUNTIME_DIRECTORY"] = rundir
    if os.environ.get("NOTIFY_SOCKET"):
        env["NOTIFY_SOCKET"] = os.environ["NOTIFY_SOCKET"]
    wd = a.watchdog_sec or (keys.get("WatchdogSec") or [None])[-1]
    if wd:
        env["WATCHDOG_USEC"] = str(watchdog_usec(wd))
    for e in a.env:
        k, _, v = e.partition("=")
        env[k] = v

    scratch = os.path.dirname(os.path.abspath(a.config))
    applied = ["drop-ins " + " ".join(dropins)] if dropins else []
    applied += sandbox_mounts(keys, rw, scratch)
    cap_args, cap_applied = capability_args(keys)
    applied += cap_applied
    if keys.get("UMask"):
        os.umask(int(keys["UMask"][-1], 8))
        applied.append("UMask=" + keys["UMask"][-1])
    # Last, as systemd does: nothing of ours runs under the filter but the
    # exec of setpriv.
    applied += sandbox_seccomp(keys)
    sys.stderr.write("unit_exec: applied: " + "; ".join(applied) + "\n")
    sys.stderr.flush()
    os.execve("/usr/bin/setpriv", ["setpriv"] + cap_args + ["--"] + argv, env)


if __name__ == "__main__":
    main()
