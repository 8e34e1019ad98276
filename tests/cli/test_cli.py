#!/usr/bin/env python3
"""The command line, checked against the source it comes from.
usage: test_cli.py NEEDLE CLI_SOURCE_DIR    (TAP)

Every getopt table in the sources of cli/ is named COMMAND_options; for
each, `needle COMMAND --help` exits 0 and lists every long option of the
table and every short one its getopt_long string accepts, and
`needle --help` lists every command with all of its options; an unknown
command or none gets its error and the list of commands in 3 lines. A
configuration with several errors gets all of them at once, each at its
line, exit status 2; `mode = multicast` alone is a valid file. `needle
config` without a file prints README's defaults, each key below its doc
line, and reads back to itself; sizes print with their suffix, only sizes
take one, and an error says what the key takes; `needle config --json`
keeps the exact numbers (sizes in bytes). Secrets (nats_password,
nats_token) print as (secret) unless --show-secrets."""
import glob, json, os, re, subprocess, sys, tempfile

needle, src = sys.argv[1], sys.argv[2]
results = []


def case(name, ok, *why):
    results.append((name, ok, why))


def run(*args):
    p = subprocess.run([needle, *args], capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


# COMMAND -> (long options, short options) from the sources.
tables = {}
for path in sorted(glob.glob(os.path.join(src, "*.c"))):
    text = open(path, encoding="utf-8").read()
    for m in re.finditer(r"static const struct option (\w+)_options\[\] = \{(.*?)\n\s*\};", text, re.S):
        command, body = m.group(1), m.group(2)
        entries = re.findall(r'\{\s*"([\w-]+)",\s*\w+,\s*NULL,\s*\'(.)\'\s*\}', body)
        call = re.search(r'getopt_long\(\s*\w+,\s*\w+,\s*"([^"]*)",\s*' + command + r"_options", text)
        shorts = set(call.group(1).replace(":", "")) if call else set()
        tables[command] = ([e[0] for e in entries], sorted(v for _, v in entries if v in shorts))
        if not call:
            case(f"{command}: getopt_long call with {command}_options found", False, path)


def missing(text, longs, shorts):
    gone = [f"--{o}" for o in longs if not re.search(r"(?<![\w-])--" + re.escape(o) + r"\b", text)]
    gone += [f"-{s}" for s in shorts if not re.search(r"(?<![\w-])-" + re.escape(s) + r"\b", text)]
    return gone


case(f"getopt tables found: {', '.join(sorted(tables))}",
     {"run", "config", "decode", "stat", "monitor"} <= set(tables), sorted(tables))

for command, (longs, shorts) in sorted(tables.items()):
    for flag in ("--help", "-h"):
        status, out, err = run(command, flag)
        gone = missing(out, longs, shorts)
        case(f"needle {command} {flag}: exit 0, its usage, all {len(longs)} options",
             status == 0 and out.startswith(f"usage: needle {command}") and not gone,
             f"exit {status}", f"missing {gone}", out[:300], err[:300])
    status, out, err = run(command, "--no-such-option")
    case(f"needle {command} --no-such-option: exit 2, its usage on stderr",
         status == 2 and f"usage: needle {command}" in err and out == "",
         f"exit {status}", err[:300])

status, out, err = run("--help")
gone = [c for c in tables if f"usage: needle {c}" not in out]
for command, (longs, shorts) in tables.items():
    gone += [f"{command} {o}" for o in missing(out, longs, shorts)]
case("needle --help: every command with all its options", status == 0 and not gone,
     f"exit {status}", f"missing {gone}")

# A mistake gets its error and the list of commands, short enough that the
# error stays on screen (not the 60 lines of --help).
for args, error in ((["no-such-command"], "needle: unknown command 'no-such-command'"),
                    ([], "needle: no command given")):
    status, out, err = run(*args)
    lines = err.splitlines()
    listed = lines[1].split("commands:")[-1].split() if len(lines) > 1 else []
    case(f"needle {' '.join(args) or '(nothing)'}: exit 2, the error first, every command, 3 lines",
         status == 2 and out == "" and lines[:1] == [error] and sorted(listed) == sorted(tables)
         and len(lines) == 3 and "needle --help" in err,
         f"exit {status}", err[:400])

with tempfile.TemporaryDirectory() as tmp:
    bad = os.path.join(tmp, "bad.conf")
    with open(bad, "w") as f:
        f.write("mode = multicast\n"      # 1
                "ring_size = 3M\n"        # 2: not a power of two
                "# a comment\n"           # 3
                "bogus = 1\n"             # 4: unknown key
                "enabled = 1\n"           # 5: a kernel value in multicast mode
                "num_logs = 0\n"          # 6: out of range
                "ring_size = 1M\n")       # 7: set twice
    want = {2: "ring_size", 4: "unknown key 'bogus'", 5: "enabled: mode = multicast",
            6: "num_logs", 7: "ring_size is set twice"}
    for command in ("config", "run"):
        status, out, err = run(command, "-c", bad)
        lines = err.splitlines()
        seen = {}
        for line in lines:
            m = re.match(re.escape(f"needle: {bad}:") + r"(\d+): (.*)", line)
            if m:
                seen[int(m.group(1))] = m.group(2)
        wrong = [n for n, text in want.items() if text not in seen.get(n, "")]
        case(f"needle {command} -c FILE with 5 errors: exit 2, each at its line, at once",
             status == 2 and not wrong and len(lines) == len(want) and out == "",
             f"exit {status}", f"lines wrong or missing: {wrong}", err)

    alone = os.path.join(tmp, "multicast.conf")
    with open(alone, "w") as f:
        f.write("mode = multicast\n")
    status, out, err = run("config", "-c", alone)
    kernel = ["enabled", "backlog_limit", "backlog_wait_time", "rate_limit", "failure"]
    wrong = [k for k in kernel if f"\n{k} = keep\n" not in out]
    case("mode = multicast alone: valid, kernel settings keep, default_rules no",
         status == 0 and not wrong and "\ndefault_rules = no\n" in out,
         f"exit {status}", f"not keep: {wrong}", err)

# README's Configuration table: key -> default (embedded), an independent
# statement of what `needle config` without a file prints.
readme = open(os.path.join(src, "..", "README.md"), encoding="utf-8").read()
section = readme.split("\n## Configuration\n", 1)[-1].split("\n## ", 1)[0]
documented = dict(re.findall(r"^\| `(\w+)` \| `([^`]*)` \|", section, re.M))

status, out, err = run("config")
lines = out.splitlines()
printed = {}
undocumented = []
for i, line in enumerate(lines):
    m = re.match(r"(\w+) = (.*)$", line)
    if m:
        printed[m.group(1)] = m.group(2)
        if i == 0 or not lines[i - 1].startswith("# ") or len(lines[i - 1]) < 10:
            undocumented.append(m.group(1))
case(f"needle config: exit 0, README's {len(documented)} defaults, each key below its doc line",
     status == 0 and len(documented) >= 20 and printed == documented and not undocumented,
     f"exit {status}", f"printed but not in README: {sorted(set(printed.items()) - set(documented.items()))}",
     f"in README but not printed: {sorted(set(documented.items()) - set(printed.items()))}",
     f"no doc line: {undocumented}", err)

with tempfile.TemporaryDirectory() as tmp:
    again = os.path.join(tmp, "printed.conf")
    with open(again, "w") as f:
        f.write(out)
    status2, out2, err2 = run("config", "-c", again)
    case("needle config's text, read back with -c, prints the same",
         status2 == 0 and out2 == out and out, f"exit {status2}", err2)

    sizes = os.path.join(tmp, "sizes.conf")
    with open(sizes, "w") as f:
        f.write("socket_buffer = 1048576\nring_size = 1024K\nmax_log_file = 1000\n")
    status, out, err = run("config", "-c", sizes)
    want = ["socket_buffer = 1M", "ring_size = 1M", "max_log_file = 1000"]
    case("needle config prints sizes with their suffix where exact (1048576 -> 1M)",
         status == 0 and all(w in out.splitlines() for w in want),
         f"exit {status}", [l for l in out.splitlines() if l.split(" = ")[0] in
                            ("socket_buffer", "ring_size", "max_log_file")], err)

    # --json: the same configuration with exact values: a size is its bytes
    # (what the text prints as 1M is 1048576, a size no suffix fits stays
    # as it is), and every key of the text is there, read back the same.
    exact = os.path.join(tmp, "exact.conf")
    with open(exact, "w") as f:
        f.write("socket_buffer = 1000000\nring_size = 1024K\nmax_log_file = 1000\n"
                "backlog_wait_time = keep\noutput = raw,json\nresolve_ids = no\n")
    status, out, err = run("config", "-c", exact)
    status_j, out_j, err_j = run("config", "-c", exact, "--json")
    try:
        got = json.loads(out_j)
    except ValueError as e:
        got = {"not JSON": str(e)}
    text = dict(re.findall(r"^(\w+) = (.*)$", out, re.M))

    def as_text(key, v):
        """A JSON value as the text form would print it."""
        if isinstance(v, bool):
            return "yes" if v else "no"
        if isinstance(v, list):
            return ",".join(v)
        if isinstance(v, int) and key in ("socket_buffer", "ring_size", "max_log_file",
                                                  "plugin_queue_size", "nats_max_bytes",
                                                  "spool_max"):
            for suffix, shift in (("G", 30), ("M", 20), ("K", 10)):
                if v and v % (1 << shift) == 0:
                    return f"{v >> shift}{suffix}"
        return str(v)

    differ = [k for k in text if k not in got or as_text(k, got[k]) != text[k]]
    case("needle config --json: exact sizes in bytes (1000000, 1048576, 1000), typed values, "
         "every key of the text",
         status == 0 and status_j == 0 and got.get("socket_buffer") == 1000000 and
         got.get("ring_size") == 1048576 and got.get("max_log_file") == 1000 and
         got.get("backlog_wait_time") == "keep" and got.get("resolve_ids") is False and
         got.get("output") == ["json", "raw"] and list(got) == list(text) and not differ,
         f"exit {status_j}", f"differ: {differ}", out_j[:400], err_j)

    for text, error in (("event_timeout = 1K", "event_timeout: '1K' is not a number from 10 to 600000 "
                                               "(milliseconds)"),
                        ("socket_buffer = 64Q", "socket_buffer: '64Q' is not a size from 64K to 1G "
                                                "(bytes, or with a K, M or G suffix)"),
                        ("backlog_limit = 64K", "backlog_limit: '64K' is not 'keep' or a number "
                                                "from 0 to 4294967295")):
        bad = os.path.join(tmp, "one.conf")
        with open(bad, "w") as f:
            f.write(text + "\n")
        status, out, err = run("config", "-c", bad)
        case(f"'{text}': exit 2, the error says what the key takes",
             status == 2 and err == f"needle: {bad}:1: {error}\n" and out == "",
             f"exit {status}", err)

# The secrets (nats_password, nats_token): `needle config` and --json
# print (secret) in their place, so that its output can go into a ticket;
# --show-secrets prints them, a text needle reads back as the same
# configuration; the masked text read back is refused, naming the key (not
# taken as a password). Two files: one way to authenticate each.
with tempfile.TemporaryDirectory() as tmp:
    secrets = {"password.conf": ("nats_user = gatherer\nnats_password = s3cret\n", "s3cret"),
               "token.conf": ("nats_token = t0ken\n", "t0ken")}
    leaks, wrong = [], []
    for name, (text, secret) in secrets.items():
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write(text)
        key = "nats_token" if "token" in name else "nats_password"
        status, out, err = run("config", "-c", path)
        status_j, out_j, err_j = run("config", "-c", path, "--json")
        if status != 0 or status_j != 0:
            wrong.append((name, "exit", status, status_j, err, err_j))
            continue
        for what, o in (("text", out + err), ("--json", out_j + err_j)):
            if secret in o:
                leaks.append(f"{name}: {secret} in needle config {what}")
        try:
            masked = json.loads(out_j).get(key)
        except ValueError as e:
            masked = f"not JSON: {e}"
        if f"\n{key} = (secret)\n" not in out or masked != "(secret)":
            wrong.append((name, f"{key} not shown as (secret)", masked))
        # Shown, and read back: the same configuration.
        status, shown, err = run("config", "-c", path, "--show-secrets")
        status_j, shown_j, err_j = run("config", "-c", path, "--json", "-s")
        again = os.path.join(tmp, "shown-" + name)
        with open(again, "w") as f:
            f.write(shown)
        status2, shown2, err2 = run("config", "-c", again, "--show-secrets")
        try:
            real = json.loads(shown_j).get(key)
        except ValueError as e:
            real = f"not JSON: {e}"
        if not (status == 0 and f"\n{key} = {secret}\n" in shown and real == secret and
                status2 == 0 and shown2 == shown):
            wrong.append((name, "--show-secrets: not the value, or not read back the same",
                          status, status2, real, err, err2))
        # The masked text read back: refused, the key and the way named.
        pasted = os.path.join(tmp, "masked-" + name)
        with open(pasted, "w") as f:
            f.write(out)
        status3, out3, err3 = run("config", "-c", pasted)
        if not (status3 == 2 and f"{key}: '(secret)' is what needle config prints" in err3 and
                "--show-secrets" in err3):
            wrong.append((name, "masked text read back", status3, err3))
    # Both in one file: refused (one way to authenticate), and the error
    # does not print them either.
    both = os.path.join(tmp, "both.conf")
    with open(both, "w") as f:
        f.write("nats_user = gatherer\nnats_password = s3cret\nnats_token = t0ken\n")
    status, out, err = run("config", "-c", both)
    if status != 2 or "s3cret" in out + err or "t0ken" in out + err:
        wrong.append(("both.conf", status, out[:200], err))
    case("needle config and --json print nats_password and nats_token as (secret); "
         "--show-secrets prints them and reads back the same; the masked text is refused",
         not leaks and not wrong, *leaks, *wrong)

print("TAP version 13")
print(f"1..{len(results)}")
for i, (name, ok, why) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    if not ok:
        for w in why:
            for line in str(w).splitlines():
                print(f"# {line}")
sys.exit(0 if results and all(ok for _, ok, _ in results) else 1)
