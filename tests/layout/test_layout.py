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
    kernel snapshot in kernel/;
  - the size rules: no source file over 800 lines, no folder with more than
    a third of the source lines;
  - every source opens with its design comment;
  - ringbuf/ and decode/ do no I/O and no logging (decode takes its hooks
    from the caller);
  - cleanup labels are named after what they undo (no out:, fail:, err:)."""
import glob, os, re, sys

root = sys.argv[1]
ORDER = ["ringbuf", "decode", "context", "pipeline", "gather", "kernel", "daemon", "cli", "bench"]
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

# The size rules, over every folder of the order (tests/ and build
# directories are not in it).
MAX_FILE_LINES = 800
lines = {f: {rel(p): sum(1 for _ in open(p, encoding="utf-8")) for p in sources(f)} for f in ORDER}
total = sum(sum(v.values()) for v in lines.values())
big = [f"{path} has {n} lines" for v in lines.values() for path, n in v.items() if n > MAX_FILE_LINES]
case(f"no source file over {MAX_FILE_LINES} lines (largest: "
     f"{max((n, p) for v in lines.values() for p, n in v.items())[1] if total else '-'})", total > 0 and not big, big)
heavy = [f"{f}/ holds {sum(v.values())} of {total}" for f, v in lines.items() if 3 * sum(v.values()) > total]
case("no folder holds more than a third of the source lines (" +
     ", ".join(f"{f} {100 * sum(v.values()) // max(total, 1)}%" for f, v in lines.items()) + ")",
     total > 0 and not heavy, heavy)

all_sources = [p for f in ORDER for p in sources(f)]
bare = [rel(p) for p in all_sources
        if not open(p, encoding="utf-8").read().lstrip().startswith("/*")]
case("every source opens with its design comment", bool(all_sources) and not bare, bare)


def code_of(path):
    """The text without comments and string literals (what the compiler reads)."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return re.sub(r'"(?:\\.|[^"\\\n])*"', '""', text)


IO_CALL = re.compile(r"\b(printf|fprintf|vfprintf|puts|fputs|fputc|putchar|perror|syslog|vsyslog|"
                     r"open|openat|read|write|pread|pwrite|close|fopen|fread|fwrite|fflush|"
                     r"sd_journal_print|log_[a-z_]+)\s*\(")
IO_HEADER = re.compile(r"#\s*include\s*<(syslog\.h|unistd\.h|fcntl\.h|systemd/[^>]+)>")
io = []
for folder in ("ringbuf", "decode"):
    for path in sources(folder):
        code = code_of(path)
        io += [f"{rel(path)}: {m.group(1)}()" for m in IO_CALL.finditer(code)]
        io += [f"{rel(path)}: <{m.group(1)}>" for m in IO_HEADER.finditer(code)]
case("ringbuf/ and decode/ do no I/O and no logging", not io, io)

VAGUE = {"out", "fail", "failed", "err", "error", "done", "cleanup", "exit", "bail", "end"}
vague = []
for path in all_sources:
    for m in re.finditer(r"\bgoto\s+(\w+)\s*;", code_of(path)):
        if m.group(1) in VAGUE:
            vague.append(f"{rel(path)}: goto {m.group(1)}")
case("cleanup labels are named after what they undo", not vague, vague)

print(f"1..{len(results)}")
for i, (name, ok, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    for w in why if not ok else []:
        print(f"# {w}")
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
