#!/usr/bin/env python3
"""The man pages and the commented configuration, against the programs (TAP).
usage: test_man.py NEEDLE NEEDLE_BENCH MAN_DIR README

  - each page renders with groff without a warning, and man -l reads it;
  - needle(8) has a section per command of `needle --help`, and each
    section names every option of that command's --help; needle-bench(8)
    likewise for its commands;
  - needle.conf(5) has an entry per key `needle config` prints, in its
    order; the default it shows is what needle takes from a file without
    the key; the range it states is what needle accepts (both ends taken,
    one past each end refused, by `needle config -c`); each choice is
    accepted; its SIGHUP class is README's (Configuration table); its
    example parses;
  - `needle config --defaults`: needle accepts it as it is and with every
    key uncommented, and both run with what an empty file gives;
  - needle(8)'s drop-in for laurel is the example installed.
The page's text comes from the same table as needle's parser; this test
reads the rendered page and asks the needle binary, so a page that says
something needle does not do fails."""
import os, re, subprocess, sys, tempfile

needle, bench, man_dir, readme = sys.argv[1:5]
pages = {p: os.path.join(man_dir, p) for p in ("needle.8", "needle.conf.5", "needle-bench.8")}
results = []


def case(name, ok, why=()):
    results.append((name, ok, list(why)))


def run(*args, stdin=None):
    return subprocess.run(list(args), capture_output=True, text=True, input=stdin)


def render(path):
    """The page as plain text, one line per paragraph (no hyphenation, no
    wrapping), and groff's warnings."""
    r = run("groff", "-man", "-Tutf8", "-ww", "-rLL=1000n", "-rHY=0", "-P-cbou", path)
    return r.stdout, r.stderr.strip(), r.returncode


missing = [p for p in pages.values() if not os.path.exists(p)]
if missing:
    print("1..0 # SKIP no man pages built (scdoc missing: Debian package scdoc)")
    sys.exit(0)

text = {}
for name, path in pages.items():
    out, warnings, rc = render(path)
    text[name] = out
    mr = run("man", "-l", "--warnings", path)
    case(f"{name} renders without a warning (groff -ww, man -l)",
         rc == 0 and not warnings and mr.returncode == 0 and not mr.stderr.strip(),
         [warnings, mr.stderr.strip()])


def sections(page):
    """A page's '## sub' sections (rendered: three-space indented headers)."""
    out, cur = {}, None
    for line in page.splitlines():
        m = re.match(r"^   (\S+)$", line)
        if m:
            cur = m.group(1)
            out[cur] = ""
        elif re.match(r"^\S", line):
            cur = None
        elif cur:
            out[cur] += line + "\n"
    return out


def long_options(help_text):
    return sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", help_text)) - {"--help"})


# needle(8): every command and its options.
commands = re.findall(r"^usage: needle ([a-z]+) ", run(needle, "--help").stdout, re.M)
sec = sections(text["needle.8"])
problems = []
for c in commands:
    if c not in sec:
        problems.append(f"no section for needle {c}")
        continue
    for opt in long_options(run(needle, c, "--help").stdout):
        if opt not in sec[c]:
            problems.append(f"needle {c}: {opt} not in its section")
case(f"needle(8) has each of {len(commands)} commands with every option of its --help",
     len(commands) >= 5 and not problems, problems)

# needle-bench(8) likewise.
bench_commands = re.findall(r"^  (\w+) ", run(bench, "--help").stdout, re.M)
sec = sections(text["needle-bench.8"])
problems = []
for c in bench_commands:
    if c not in sec:
        problems.append(f"no section for needle-bench {c}")
        continue
    h = run(bench, c, "--help")
    helptext = h.stdout + h.stderr
    if c in ("live", "record", "knee"):
        # One help for the three: each option in the page, anywhere.
        where = text["needle-bench.8"]
    else:
        where = sec[c]
    for opt in long_options(helptext):
        if opt not in where:
            problems.append(f"needle-bench {c}: {opt} not in the page")
case(f"needle-bench(8) has each of {len(bench_commands)} commands with every option of its --help",
     len(bench_commands) >= 5 and not problems, problems)


# needle.conf(5) against needle itself.
def config(lines):
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
        f.write("".join(l + "\n" for l in lines))
        f.flush()
        return run(needle, "config", "-c", f.name)


def keys_of(config_text):
    return re.findall(r"^(\w+) = (.*)$", config_text, re.M)


builtin = config([])
case("needle config -c on an empty file works", builtin.returncode == 0, [builtin.stderr])
builtin_values = dict(keys_of(builtin.stdout))
entries = re.findall(r"^       (\w+) = (.*)$", text["needle.conf.5"], re.M)
case(f"needle.conf(5) has one entry per key, in needle config's order ({len(entries)} keys)",
     [k for k, _ in entries] == [k for k, _ in keys_of(builtin.stdout)] and entries,
     [f"page: {[k for k, _ in entries]}", f"needle config: {list(builtin_values)}"])
problems = []
for k, v in entries:
    want = builtin_values.get(k)
    if (v if v != "(empty)" else "") != want:
        problems.append(f"{k}: page says {v!r}, an empty file gives {want!r}")
case("each default in needle.conf(5) is what a file without the key gives", not problems, problems)

conf_page = text["needle.conf.5"]


def entry_of(key):
    m = re.search(r"^       " + key + r" = .*\n((?:(?!       \w+ = ).*\n)*)", conf_page, re.M)
    return m.group(1) if m else ""


def bump_size(text, delta):
    """A size as the page writes it (64K, 1G, 1000) plus delta bytes, in bytes."""
    m = re.fullmatch(r"(\d+)([KMG]?)", text)
    n = int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2)]
    return str(n + delta)


problems, tried = [], 0
for k, _ in entries:
    e = entry_of(k)
    m = re.search(r"Takes: (.*)\.$", e, re.M)
    if not m:
        problems.append(f"{k}: no Takes line")
        continue
    takes = m.group(1)
    good, bad = [], []
    if (r := re.match(r"(keep, or )?a number from (\d+) to (\d+)", takes)):
        lo, hi = int(r.group(2)), int(r.group(3))
        good += [str(lo), str(hi)] + (["keep"] if r.group(1) else [])
        bad += [str(hi + 1)] + ([str(lo - 1)] if lo > 0 else [])
        if not r.group(1):
            bad.append("keep")
    elif (r := re.match(r"a size from (\w+) to (\w+)", takes)):
        good += [r.group(1), r.group(2)]
        bad.append(bump_size(r.group(2), 1))
        if bump_size(r.group(1), 0) != "0":
            bad.append(bump_size(r.group(1), -1))
    elif takes == "yes or no":
        good += ["yes", "no"]
        bad.append("maybe")
    elif (r := re.match(r"(.*), one or more, comma-separated", takes)):
        names = re.split(r", | or ", r.group(1))
        good += names + [",".join(names[:2])]
        bad.append("nothing-of-that-name")
    elif (r := re.match(r"text of at most (\d+) bytes(; empty: off)?", takes)):
        if r.group(2):
            good.append("")
        bad.append("/" + "x" * int(r.group(1)))
    else:
        names = re.split(r", | or ", takes)
        if len(names) < 2:
            problems.append(f"{k}: Takes '{takes}' is not a form this test knows")
            continue
        good += names
        bad.append("nothing-of-that-name")
    # Where a key's value restricts another's (multicast), unicast is
    # the mode here, as in the built-in values.
    for value in good:
        r = config([f"{k} = {value}"])
        tried += 1
        if r.returncode != 0:
            problems.append(f"{k} = {value!r}: page says it takes it, needle refused: {r.stderr.strip()}")
    for value in bad:
        r = config([f"{k} = {value}"])
        tried += 1
        if r.returncode != 2:
            problems.append(f"{k} = {value[:40]!r}: outside what the page says, needle exit {r.returncode}")
case(f"needle takes what needle.conf(5) says each key takes, and refuses one past it "
     f"({tried} values)", tried > 2 * len(entries) and not problems, problems)

# The SIGHUP class, against README's Configuration table.
readme_class = dict(re.findall(r"^\| `(\w+)` \| `[^`]*` \| (live|start) \|", open(readme).read(), re.M))
problems = []
for k, _ in entries:
    m = re.search(r"SIGHUP: (applied live|takes effect at the next start)", entry_of(k))
    page = {"applied live": "live", "takes effect at the next start": "start"}.get(m and m.group(1))
    if readme_class.get(k) != page:
        problems.append(f"{k}: page {page}, README {readme_class.get(k)}")
case("the SIGHUP class of each key is README's", bool(readme_class) and not problems, problems)

example = re.search(r"^EXAMPLE\n(?:       .*\n)+\n((?:           \S.*\n)+)", conf_page, re.M)
lines = [l.strip() for l in example.group(1).splitlines()] if example else []
r = config(lines)
case("needle.conf(5)'s example is a file needle accepts", lines and r.returncode == 0,
     [str(lines), r.stderr])

# The commented configuration: as installed, and with every key uncommented.
defaults = run(needle, "config", "--defaults")
commented = defaults.stdout.splitlines()
opened = [re.sub(r"^#(\w+ = )", r"\1", l) for l in commented]
as_is, uncommented = config(commented), config(opened)
set_keys = [l for l in opened if re.match(r"^\w+ = ", l)]
# The keys set as installed (not commented out: rules = augenrules, so that
# the service loads /etc/audit/rules.d as auditd's does; filter_file = the
# filter file installed beside it, SYSCONFDIR/needle/needle.filter, so that
# secrets are redacted from command lines); the rest is the built-in values.
installed = [l for l in commented if re.match(r"^\w+ = ", l)]
expected = config(installed)
case(f"needle config --defaults: accepted as it is and with its {len(set_keys)} keys uncommented, "
     f"both as a file of its set keys alone ({', '.join(installed)})",
     defaults.returncode == 0 and as_is.returncode == 0 and uncommented.returncode == 0
     and expected.returncode == 0 and len(installed) == 2
     and installed[0] == "rules = augenrules"
     and re.fullmatch(r"filter_file = /\S*/needle/needle\.filter", installed[1])
     and as_is.stdout == expected.stdout and uncommented.stdout == expected.stdout
     and len(set_keys) == len(builtin_values),
     [as_is.stderr, uncommented.stderr, expected.stderr])

# needle(8)'s drop-in for laurel is the example installed (its lines but
# the comments), which tests/live/test-laurel.sh runs.
example = os.path.join(os.path.dirname(os.path.abspath(readme)), "install", "needle.service.d",
                       "laurel.conf")
want = [l for l in open(example, encoding="utf-8").read().splitlines() if l and l[0] != "#"]
m = re.search(r"^ *# /etc/systemd/system/needle\.service\.d/laurel\.conf\n((?: *\S.*\n)+)",
              text["needle.8"], re.M)
shown = [l.strip() for l in m.group(1).splitlines()] if m else []
case("needle(8), PLUGINS: the drop-in for laurel is the example installed "
     "(install/needle.service.d/laurel.conf)", shown == want, [f"page: {shown}", f"file: {want}"])

print(f"1..{len(results)}")
for i, (name, ok, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok:
        for w in why:
            for line in str(w).splitlines()[:20]:
                print(f"# {line}")
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
