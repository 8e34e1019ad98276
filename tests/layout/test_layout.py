#!/usr/bin/env python3
"""The tree's layout, checked against its sources (TAP).
usage: test_layout.py SOURCE_ROOT

  - the folders' order: a source file of a folder includes headers of its
    own folder and of the folders above it in ORDER only (the root
    meson.build says the same), never one of a folder below;
  - header names are unique over the folders (every folder's headers share
    one include path: two settings.h would be a silent mix-up);
  - a header whose opening comment says "Private to FOLDER/" is included
    from that folder only (not from other folders, tests or bench);
  - the types other modules must not reach into are defined where they
    belong: struct pipeline in a private header of pipeline/, struct sink
    in pipeline/sink.c, struct kernel_session in kernel/kernel-session.c, the
    kernel snapshot in kernel/."""
import glob, os, re, sys

root = sys.argv[1]
ORDER = ["ringbuf", "decode", "context", "pipeline", "kernel", "daemon", "cli", "bench"]
results = []


def case(name, ok, why=()):
    results.append((name, ok, list(why)))


def sources(folder):
    return sorted(glob.glob(os.path.join(root, folder, "*.[ch]")))


def rel(path):
    return os.path.relpath(path, root)


# Where each header lives; a name in two folders is a failure of its own.
home, clashes = {}, []
for folder in ORDER:
    for path in sources(folder):
        name = os.path.basename(path)
        if name.endswith(".h"):
            if name in home:
                clashes.append(f"{name}: {home[name]}/ and {folder}/")
            home[name] = folder
case("header names are unique over the folders", not clashes, clashes)
case("every folder of the order has sources", all(sources(f) for f in ORDER),
     [f for f in ORDER if not sources(f)])

include = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
private = {}
for name, folder in home.items():
    head = open(os.path.join(root, folder, name), encoding="utf-8").read(3000)
    m = re.search(r"Private to\s*(?:\*\s*)?(\w+)/", head)
    if m:
        private[name] = m.group(1)
case("the private headers are marked (pipeline/threads.h, daemon/state.h)",
     private.get("threads.h") == "pipeline" and private.get("state.h") == "daemon",
     [f"marked: {sorted(private.items())}"])

upward, leaks = [], []
for folder in ORDER:
    for path in sources(folder):
        for name in include.findall(open(path, encoding="utf-8").read()):
            where = home.get(name)
            if where is None:
                continue  # config.h, or a header of the system
            if ORDER.index(where) > ORDER.index(folder):
                upward.append(f"{rel(path)} includes {where}/{name}")
            if name in private and private[name] != folder:
                leaks.append(f"{rel(path)} includes {private[name]}/{name}")
case("each folder includes only its own headers and those of folders above it",
     not upward, upward)
for path in sorted(glob.glob(os.path.join(root, "tests", "**", "*.[ch]"), recursive=True)):
    for name in include.findall(open(path, encoding="utf-8").read()):
        if name in private:
            leaks.append(f"{rel(path)} includes {private[name]}/{name}")
case("private headers are included from their own folder only", not leaks, leaks)


def defined_in(struct):
    """The source files that define struct NAME { ... }."""
    pat = re.compile(r"^struct\s+" + struct + r"\s*\{", re.M)
    return sorted(rel(p) for f in ORDER for p in sources(f)
                  if pat.search(open(p, encoding="utf-8").read()))


for struct, want, why in [
        ("pipeline", ["pipeline/threads.h"], "private to pipeline/"),
        ("sink", ["pipeline/sink.c"], "opaque outside sink.c"),
        ("kernel_session", ["kernel/kernel-session.c"], "opaque outside it"),
        ("kernel_snapshot", ["kernel/status.h"], "with the kernel code, not in metrics")]:
    got = defined_in(struct)
    case(f"struct {struct} is defined in {', '.join(want)} ({why})", got == want,
         [f"defined in: {got}"])

print(f"1..{len(results)}")
for i, (name, ok, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    for w in why if not ok else []:
        print(f"# {w}")
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
