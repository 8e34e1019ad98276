#!/usr/bin/env python3
"""needle gather against a nats-server of the test's own (127.0.0.1, a free
port, its store in a temp dir; stopped by pid however the test ends). No
kernel access: no lock needed. The events are the real ones of a corpus
log, as `needle decode --no-names` writes them (JSON lines, RAW lines),
published by helper-nats-pub as needle run publishes (payload, headers
Nats-Msg-Id HOST/ID, Needle-Host, Needle-Format) for several hosts, the
same ids on different hosts. Checked against what the helper published
and what the server says of each consumer (pending, awaiting ack):
  - every host's events written once, in order, each line as published
    (RAW messages decoded again equal needle decode's JSON); a message not
    of needle's refused and said;
  - stopped and started again: goes on where it stopped;
  - SIGKILL midway (--sync), started again: every event once, none missing;
  - the write done, the acknowledgement not sent (fault gather-exit): the
    batch stays unacknowledged, comes again, and is not written twice (the
    ids read back from the files' tails), also with lz4 and rotation;
  - acknowledgements lost (fault gather-no-ack): each message comes again
    and is not written twice;
  - an event the stream holds twice (published again after its duplicate
    window) is written once;
  - a file that cannot be written: nothing acknowledged, all written once
    it can be;
  - the server stopped and started again under gather: it reconnects;
  - --since (a time with a fraction under 0.1 s), -f summary (from JSON and
    from RAW, equal to needle decode's), -f raw, -f enriched (equal to
    needle decode's), --follow (only what comes after it started);
  - TLS with a client certificate and a password, a token (servers of
    their own, certificates made by openssl): the right ones connect, the
    wrong ones exit 1 said;
  - errors: no server, no stream, no JetStream, --since on an existing
    durable, bad options (exit 2).
usage: test_gather.py NEEDLE HELPER CORPUS_DIR   (TAP)"""
import datetime, glob, os, re, shutil, signal, socket, subprocess, sys, tempfile, time

needle, helper, corpus = sys.argv[1:4]
LOG = os.path.join(corpus, "SELinuxProject__selinux",
                   "python__sepolgen__tests__test_data__audit.log")
results = []


def case(name, ok, *why):
    results.append((name, bool(ok), why))


def finish():
    print("TAP version 13")
    print(f"1..{len(results)}")
    for i, (name, ok, why) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
        if not ok:
            for w in why:
                for line in str(w).splitlines()[:30]:
                    print(f"# {line}")
    sys.exit(0 if all(ok for _, ok, _ in results) else 1)


if not shutil.which("nats-server"):
    print("1..0 # SKIP nats-server is not installed (the Makefile's DEPS_TEST installs it)")
    sys.exit(0)

top = tempfile.mkdtemp(prefix="needle-gather-")
procs = []  # everything started, stopped by pid at the end


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    if not os.environ.get("LIVE_KEEP"):
        shutil.rmtree(top, ignore_errors=True)
    else:
        print(f"# kept {top}")


def on_signal(sig, frame):
    raise SystemExit(f"signal {sig}")


signal.signal(signal.SIGTERM, on_signal)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(*args, **kw):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60, **kw)


def ids_of(path):
    """The event ids of a file gather wrote (JSON or RAW lines), in order."""
    out = []
    for line in open(path, encoding="utf-8", errors="replace"):
        m = re.match(r'\{"id":"([^"]+)"', line) or re.search(r"msg=audit\(([^)]+)\)", line)
        if m and (not out or out[-1] != m.group(1) or line.startswith("{")):
            out.append(m.group(1))
    return out


class Gather:
    def __init__(self, *args, env=None, name="gather"):
        self.out = open(os.path.join(top, f"{name}.{len(procs)}.out"), "w+")
        self.err = open(os.path.join(top, f"{name}.{len(procs)}.err"), "w+")
        e = dict(os.environ)
        e.pop("NEEDLE_TEST_FAULT", None)
        e.update(env or {})
        self.p = subprocess.Popen([needle, "gather", "--nats", URL, *args], stdout=self.out,
                                  stderr=self.err, env=e)
        procs.append(self.p)

    def wait(self, timeout=30):
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            return self.p.wait()

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        return self.wait()

    def stderr(self):
        self.err.seek(0)
        return self.err.read()

    def stdout(self):
        self.out.seek(0)
        return self.out.read()


def drained(durable, seconds=30):
    p = run(helper, "drained", URL, "NEEDLE", durable, str(seconds))
    return p.returncode == 0, p.stdout.strip() + p.stderr.strip()


def state(durable):
    p = run(helper, "state", URL, "NEEDLE", durable)
    m = re.search(r"pending (\d+) ack_pending (\d+)", p.stdout)
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


def pub(host, fmt, first, count, subject=None):
    src = A_JSON if fmt == "json" else A_RAW
    p = run(helper, "pub", URL, subject or f"needle.events.{host}", host, fmt, src, str(first),
            str(count))
    if p.returncode != 0:
        raise SystemExit(f"helper-nats-pub pub failed: {p.stderr}")
    return p.stdout.split()


def summary_line(stderr):
    m = re.search(r"stopped: (\d+) messages: (\d+) events written for (\d+) hosts, (\d+) repeats "
                  r"not written again, (\d+) refused", stderr)
    return tuple(map(int, m.groups())) if m else None


try:
    port = free_port()
    URL = f"nats://127.0.0.1:{port}"
    server = subprocess.Popen(["nats-server", "-js", "-a", "127.0.0.1", "-p", str(port),
                               "-sd", os.path.join(top, "js")],
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(top, "nats.log"), "w"))
    procs.append(server)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    # A duplicate window of 1 s: an event published again later is stored twice.
    p = run(helper, "stream", URL, "NEEDLE", "needle.>", "1000")
    if p.returncode != 0:
        raise SystemExit(f"cannot make the stream: {p.stderr}")

    A_JSON, A_RAW = os.path.join(top, "a.json"), os.path.join(top, "a.raw")
    with open(A_JSON, "w") as f:
        subprocess.run([needle, "decode", "-f", "json", "--no-names", LOG], stdout=f, check=True)
    with open(A_RAW, "w") as f:
        subprocess.run([needle, "decode", "-f", "raw", "--no-names", LOG], stdout=f, check=True)
    JSON_LINES = open(A_JSON).read().splitlines(keepends=True)
    IDS = [re.match(r'\{"id":"([^"]+)"', l).group(1) for l in JSON_LINES]
    RAW_EVENTS = {}
    for line in open(A_RAW):
        RAW_EVENTS.setdefault(re.search(r"msg=audit\(([^)]+)\)", line).group(1), []).append(line)
    SUMMARY = subprocess.run([needle, "decode", "-f", "summary", "--no-names", LOG],
                             capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(IDS) == len(RAW_EVENTS) == len(SUMMARY) >= 2700, (len(IDS), len(SUMMARY))

    # 1. Three hosts (two of them with the same ids), JSON and RAW, and a
    # message that is not needle's.
    d1 = os.path.join(top, "d1")
    sent = {"web1": pub("web1", "json", 0, 800), "web2": pub("web2", "json", 0, 800),
            "db1": pub("db1", "raw", 0, 800)}
    run(helper, "foreign", URL, "needle.events.stranger", "hello")
    g = Gather("--out", d1, "--durable", "g1", "--ack-wait", "2")
    ok, st = drained("g1")
    rc = g.stop()
    err = g.stderr()
    files = {h: ids_of(os.path.join(d1, f"{h}.json")) for h in sent}
    case("three hosts: each host's events written once, in order, as published",
         ok and rc == 0 and all(files[h] == sent[h] for h in sent) and
         sent["web1"] == IDS[:800],
         st, f"exit {rc}", {h: (len(files[h]), len(set(files[h]))) for h in files}, err)
    same = (open(os.path.join(d1, "web1.json")).read() == "".join(JSON_LINES[:800]) and
            open(os.path.join(d1, "db1.json")).read() == "".join(JSON_LINES[:800]))
    modes = (os.stat(d1).st_mode & 0o777, os.stat(os.path.join(d1, "web1.json")).st_mode & 0o777)
    case("a JSON message written as it came; a RAW one decoded again equals needle decode's "
         "JSON; the folder 0700, the files 0600", same and modes == (0o700, 0o600),
         f"modes {modes[0]:o} {modes[1]:o}", err)
    case("a message that is not needle's is refused, said, not written, not sent again",
         summary_line(err) == (2401, 2400, 3, 0, 1) and "not one of needle's events" in err and
         not glob.glob(os.path.join(d1, "stranger*")) and state("g1") == (0, 0),
         summary_line(err), err)

    # 2. Stopped, started again: it goes on where it stopped.
    sent["web1"] += pub("web1", "json", 800, 200)
    g = Gather("--out", d1, "--durable", "g1")
    ok, st = drained("g1")
    rc = g.stop()
    case("stopped and started again: goes on where it stopped",
         ok and rc == 0 and ids_of(os.path.join(d1, "web1.json")) == IDS[:1000] and
         summary_line(g.stderr())[:2] == (200, 200), st, summary_line(g.stderr()), g.stderr())

    # 3. The same events published again after the stream's duplicate
    # window: the stream holds them twice, gather writes them once.
    once = pub("web3", "json", 0, 100)
    time.sleep(1.3)
    twice = pub("web3", "json", 0, 100)
    g = Gather("--out", d1, "--durable", "g1")
    ok, st = drained("g1")
    rc = g.stop()
    case("an event the stream holds twice is written once",
         ok and rc == 0 and once == twice and ids_of(os.path.join(d1, "web3.json")) == once and
         summary_line(g.stderr())[:4] == (200, 100, 1, 100), summary_line(g.stderr()), g.stderr())

    # 4. SIGKILL midway (--sync: each write on disk before its ack), then
    # started again: every event once, none missing.
    d2 = os.path.join(top, "d2")
    big = {h: pub(h, "json", 0, len(IDS), f"needle.kill.{h}") for h in ("k1", "k2")}
    big["k3"] = pub("k3", "raw", 0, len(IDS), "needle.kill.k3")
    total = sum(len(v) for v in big.values())
    g = Gather("--out", d2, "--durable", "g2", "--subject", "needle.kill.>", "--sync",
               "--ack-wait", "2")
    deadline, lines = time.time() + 20, 0
    while time.time() < deadline and g.p.poll() is None:
        sizes = [os.path.getsize(p) for p in glob.glob(os.path.join(d2, "*.json"))]
        if sum(sizes) > 200000:
            break
        time.sleep(0.002)
    g.p.kill()
    g.wait()
    before = {h: len(ids_of(os.path.join(d2, f"{h}.json"))) if os.path.exists(
        os.path.join(d2, f"{h}.json")) else 0 for h in big}
    g = Gather("--out", d2, "--durable", "g2")
    ok, st = drained("g2", 40)
    rc = g.stop()
    got = {h: ids_of(os.path.join(d2, f"{h}.json")) for h in big}
    case(f"SIGKILL midway ({sum(before.values())} of {total} written), started again: "
         "every event written once, none missing",
         0 < sum(before.values()) < total and ok and rc == 0 and
         all(len(got[h]) == len(set(got[h])) and set(got[h]) == set(big[h]) for h in big),
         before, st, {h: (len(got[h]), len(set(got[h]))) for h in got}, g.stderr())

    # 5. The write done, the ack not sent: gather exits between the two
    # (as a SIGKILL there would). The batch stays unacknowledged; started
    # again, gather reads the ids back from the files and writes none twice.
    for compress, d, durable in (([], "d3", "g3"),
                                 (["--compress", "lz4", "--max-log-file", "16K",
                                   "--num-logs", "999"], "d4", "g4")):
        d = os.path.join(top, d)
        args = ["--out", d, "--durable", durable, "--subject", "needle.events.web1",
                "--ack-wait", "2", *compress]
        g = Gather(*args, env={"NEEDLE_TEST_FAULT": "gather-exit:500"})
        rc1 = g.wait()
        err1 = g.stderr()
        pending, unacked = state(durable)
        g = Gather(*args)
        ok, st = drained(durable)
        rc = g.stop()
        if compress:
            gens = sorted(glob.glob(os.path.join(d, "web1.json.lz4*")),
                          key=lambda p: -int(re.search(r"\.lz4(?:\.(\d+))?$", p).group(1) or 0))
            text = b"".join(subprocess.run(["lz4", "-dc", p], capture_output=True).stdout
                            for p in gens).decode()
            path = os.path.join(d, "all.json")
            open(path, "w").write(text)
        else:
            path, gens = os.path.join(d, "web1.json"), []
        s = summary_line(g.stderr())
        case(f"{'lz4, rotated: ' if compress else ''}written, not acknowledged (gather-exit), "
             f"started again: the batch comes again and is not written twice",
             rc1 == 9 and unacked > 0 and ok and rc == 0 and ids_of(path) == IDS[:1000] and
             s and s[3] >= unacked and (not compress or len(gens) > 3),
             f"first run exit {rc1}, unacknowledged after it {unacked}", st, s,
             f"{len(gens)} generations", err1, g.stderr())

    # 6. Acknowledgements lost (gather-no-ack): the messages come again
    # after the ack wait and are not written twice.
    d5 = os.path.join(top, "d5")
    g = Gather("--out", d5, "--durable", "g5", "--subject", "needle.events.web2", "--ack-wait",
               "2", env={"NEEDLE_TEST_FAULT": "gather-no-ack:300"})
    ok, st = drained("g5")
    rc = g.stop()
    s = summary_line(g.stderr())
    case("acknowledgements lost: the messages come again, each written once",
         ok and rc == 0 and ids_of(os.path.join(d5, "web2.json")) == IDS[:800] and s and
         s[1] == 800 and s[3] >= 300, st, s, g.stderr())

    # 7. A file that cannot be written (a folder in its place): nothing is
    # acknowledged; once it can be, every event is written once.
    d6 = os.path.join(top, "d6")
    os.makedirs(os.path.join(d6, "web2.json"))
    g = Gather("--out", d6, "--durable", "g6", "--subject", "needle.events.web2", "--ack-wait",
               "2")
    time.sleep(1.5)
    blocked = state("g6")
    os.rmdir(os.path.join(d6, "web2.json"))
    ok, st = drained("g6", 30)
    rc = g.stop()
    got = ids_of(os.path.join(d6, "web2.json"))
    # Asked again, they come back in the server's order: each once, all.
    case("a file that cannot be written: nothing acknowledged, all written once it can be",
         blocked[1] and blocked[1] > 0 and ok and rc == 0 and len(got) == len(set(got)) and
         set(got) == set(IDS[:800]) and "cannot open" in g.stderr(),
         f"unacknowledged while blocked: {blocked}", st, g.stderr())

    # 8. --since: a new consumer from a time.
    pub("web4", "json", 0, 50)
    time.sleep(1.1)
    # A time whose fraction is under 0.1 s: libnats 3.4.1 sends such a time
    # wrong (natslink.c, since_for_libnats), 0.05 s as 0.5 s.
    t = int(time.time()) + 1 + 0.05
    time.sleep(t - time.time() + 0.2)
    since = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")
    later = pub("web4", "json", 50, 50)
    d7 = os.path.join(top, "d7")
    g = Gather("--out", d7, "--durable", "since1", "--since", since)
    # A consumer made at a start time may say "nothing pending" before its
    # first delivery (nats-server 2.9): wait for the lines, then drained.
    deadline = time.time() + 20
    while time.time() < deadline and not (os.path.exists(os.path.join(d7, "web4.json")) and
                                          len(ids_of(os.path.join(d7, "web4.json"))) >= 50):
        time.sleep(0.05)
    ok, st = drained("since1")
    rc = g.stop()
    case(f"--since starts a new consumer at that time ({since})",
         ok and rc == 0 and [f for f in os.listdir(d7) if f[0] != "."] == ["web4.json"] and
         ids_of(os.path.join(d7, "web4.json")) == later, st, os.listdir(d7), g.stderr())
    g = Gather("--out", d7, "--durable", "g1", "--since", since)
    rc = g.wait()
    case("--since on a durable that exists: exit 1, said why",
         rc == 1 and "resumes where it left off" in g.stderr(), f"exit {rc}", g.stderr())

    # 9. -f summary on standard output, from JSON (web2) and from RAW (db1):
    # needle decode's summary lines, each after its host.
    g = Gather("--out", "-", "-f", "summary", "--durable", "s1", "--subject", "needle.events.web2")
    ok1, _ = drained("s1")
    g.stop()
    from_json = g.stdout().splitlines()
    g = Gather("--out", "-", "-f", "summary", "--durable", "s2", "--subject", "needle.events.db1")
    ok2, _ = drained("s2")
    g.stop()
    from_raw = g.stdout().splitlines()
    case("-f summary: from JSON and from RAW, needle decode's summary after the host",
         ok1 and ok2 and from_json == ["web2 " + l for l in SUMMARY[:800]] and
         from_raw == ["db1 " + l for l in SUMMARY[:800]],
         from_json[:2], SUMMARY[:2], from_raw[:2])

    # 10. -f raw: RAW messages written as they came to HOST.log; JSON ones
    # stay JSON, in HOST.json.
    d8 = os.path.join(top, "d8")
    g = Gather("--out", d8, "-f", "raw", "--durable", "r1")
    ok, st = drained("r1")
    g.stop()
    want = "".join("".join(RAW_EVENTS[i]) for i in IDS[:800])
    case("-f raw: RAW messages as they came, JSON ones as JSON in HOST.json",
         ok and open(os.path.join(d8, "db1.log")).read() == want and
         not os.path.exists(os.path.join(d8, "web1.log")) and
         ids_of(os.path.join(d8, "web1.json")) == IDS[:1000], st, sorted(os.listdir(d8)))

    # -f enriched: RAW messages as needle decode -f enriched writes the same
    # records (the names of this machine, both).
    d10 = os.path.join(top, "d10")
    g = Gather("--out", d10, "-f", "enriched", "--durable", "e1", "--subject",
               "needle.events.db1")
    ok, st = drained("e1")
    g.stop()
    enriched = {}
    # (not splitlines(): ENRICHED's 0x1d is a line boundary to it)
    for line in subprocess.run([needle, "decode", "-f", "enriched", LOG], capture_output=True,
                               text=True).stdout.split("\n")[:-1]:
        line += "\n"
        enriched.setdefault(re.search(r"msg=audit\(([^)]+)\)", line).group(1), []).append(line)
    want = "".join("".join(enriched[i]) for i in IDS[:800])
    case("-f enriched: RAW messages as needle decode -f enriched writes them",
         ok and open(os.path.join(d10, "db1.log")).read() == want, st, sorted(os.listdir(d10)))

    # Standard output whose reader went: gather stops, exit 1, and what it
    # could not write is not acknowledged.
    r, w = os.pipe()
    os.close(r)
    e = dict(os.environ)
    e.pop("NEEDLE_TEST_FAULT", None)
    p = subprocess.Popen([needle, "gather", "--nats", URL, "--out", "-", "--durable", "pipe1",
                          "--subject", "needle.events.web1"], stdout=w,
                         stderr=subprocess.PIPE, text=True, env=e)
    procs.append(p)
    os.close(w)
    try:
        _, perr = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        _, perr = p.communicate()
    pending, unacked = state("pipe1")
    case("standard output closed: gather stops, exit 1, nothing acknowledged",
         p.returncode == 1 and "standard output failed" in perr and pending is not None and
         pending + unacked == 1000, f"exit {p.returncode}", (pending, unacked), perr)

    # 11. --follow: only what is published after it started, as summaries.
    pub("web5", "json", 0, 20)
    # With a token (a server without authorization takes any): ps must
    # not show it once gather runs.
    g = Gather("--follow", "--subject", "needle.events.web5", "--token", "follow-s3cret-token")
    deadline = time.time() + 10
    while "connected to" not in g.stderr() and time.time() < deadline:
        time.sleep(0.05)
    cmdline = open(f"/proc/{g.p.pid}/cmdline", "rb").read().split(b"\0")
    case("--token: gone from the command line ps shows once gather runs, the option still there",
         b"follow-s3cret-token" not in b" ".join(cmdline) and b"--token" in cmdline and
         b"x" * len("follow-s3cret-token") in cmdline, cmdline)
    pub("web5", "json", 20, 50)
    deadline = time.time() + 10
    while len(g.stdout().splitlines()) < 50 and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    rc = g.stop()
    case("--follow: a live summary of what comes after it started, and nothing before",
         rc == 0 and g.stdout().splitlines() == ["web5 " + l for l in SUMMARY[20:70]],
         f"exit {rc}", g.stdout()[:400], g.stderr())

    # 12. The server stopped and started again under a running gather: it
    # reconnects, says so, and every event is written once.
    first = pub("r1", "json", 0, 1500)
    d9 = os.path.join(top, "d9")
    g = Gather("--out", d9, "--durable", "g9", "--subject", "needle.events.r1", "--sync",
               "--ack-wait", "2")
    deadline = time.time() + 20
    while time.time() < deadline and not (
            os.path.exists(os.path.join(d9, "r1.json")) and
            os.path.getsize(os.path.join(d9, "r1.json")) > 50000):
        time.sleep(0.002)
    server.terminate()
    server.wait()
    at_stop = len(ids_of(os.path.join(d9, "r1.json")))
    time.sleep(1.5)
    server = subprocess.Popen(server.args, stdout=subprocess.DEVNULL,
                              stderr=open(os.path.join(top, "nats2.log"), "w"))
    procs.append(server)
    deadline = time.time() + 20
    while "reconnected to" not in g.stderr() and time.time() < deadline:
        time.sleep(0.1)
    second = pub("r1", "json", 1500, 500)
    ok, st = drained("g9", 40)
    rc = g.stop()
    got = ids_of(os.path.join(d9, "r1.json"))
    case(f"the server stopped ({at_stop} of 1500 written) and started again under gather: it "
         "reconnects, says so, and every event is written once",
         0 < at_stop < 1500 and ok and rc == 0 and "disconnected from the server" in g.stderr() and
         "reconnected to" in g.stderr() and len(got) == len(set(got)) and
         set(got) == set(first + second), st, (len(got), len(set(got))), g.stderr())

    # 13. TLS with a client certificate and a user's password, and a
    # token, on servers of their own (no stream there: getting as far as
    # "no stream" shows the connection was made).
    tls = os.path.join(top, "tls")
    os.makedirs(tls)

    def ssl(*args):
        subprocess.run(["openssl", *args], cwd=tls, check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    ssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=ca")
    for name, ext in (("srv", "subjectAltName=IP:127.0.0.1"), ("cli", "extendedKeyUsage=clientAuth")):
        open(os.path.join(tls, f"{name}.ext"), "w").write(ext + "\n")
        ssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}")
        ssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext")
    t = lambda n: os.path.join(tls, n)
    servers = {}
    for kind, extra in (("tls", ["--user", "gu", "--pass", "gp", "--tlsverify", "--tlscert",
                                 t("srv.pem"), "--tlskey", t("srv.key"), "--tlscacert",
                                 t("ca.pem")]),
                        ("token", ["--auth", "s3cret"]), ("nojs", None)):
        sp = free_port()
        js = ["-js", "-sd", os.path.join(top, f"js-{kind}"), *extra] if extra else []
        procs.append(subprocess.Popen(["nats-server", "-a", "127.0.0.1", "-p", str(sp), *js],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        servers[kind] = sp
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", sp), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)
    tls_url = f"tls://127.0.0.1:{servers['tls']}"
    tls_args = ["--tls-ca", t("ca.pem"), "--tls-cert", t("cli.pem"), "--tls-key", t("cli.key")]
    probes = [
        ("TLS, client certificate, user and password", [tls_url, "--user", "gu", "--password",
                                                         "gp", *tls_args], "no stream NOPE"),
        ("a wrong password", [tls_url, "--user", "gu", "--password", "no", *tls_args],
         "refused the credentials"),
        ("no client certificate", [tls_url, "--user", "gu", "--password", "gp", "--tls-ca",
                                   t("ca.pem")], "cannot connect"),
        ("a token", [f"nats://127.0.0.1:{servers['token']}", "--token", "s3cret"], "no stream NOPE"),
        ("a wrong token", [f"nats://127.0.0.1:{servers['token']}", "--token", "nope"],
         "refused the credentials"),
        ("a server without JetStream", [f"nats://127.0.0.1:{servers['nojs']}"],
         "JetStream does not answer"),
    ]
    wrong = []
    for what, args, said in probes:
        p = run(needle, "gather", "--nats", *args, "--stream", "NOPE", "--out", "-")
        if p.returncode != 1 or said not in p.stderr:
            wrong.append((what, p.returncode, p.stderr[:300]))
    case("TLS, a client certificate, user and password, a token: connected with the right "
         "ones, exit 1 said with the wrong ones or without JetStream", not wrong, *wrong)

    # 14. Errors.
    closed = free_port()
    t0 = time.time()
    p = run(needle, "gather", "--nats", f"nats://127.0.0.1:{closed}", "--out", os.path.join(top, "x"))
    case("no server at the start: exit 1 at once, said",
         p.returncode == 1 and "cannot connect to" in p.stderr and time.time() - t0 < 15,
         f"exit {p.returncode} after {time.time() - t0:.1f} s", p.stderr)
    p = run(needle, "gather", "--nats", URL, "--stream", "NOPE", "--out", os.path.join(top, "x"))
    case("no such stream: exit 1, said", p.returncode == 1 and "no stream NOPE" in p.stderr,
         f"exit {p.returncode}", p.stderr)
    bad = [["-f", "bogus", "--out", "-"], ["--follow", "--out", top], ["--out", top],
           ["--nats", URL], ["--nats", URL, "-f", "summary", "--out", top],
           ["--nats", URL, "--out", "-", "--since", "yesterday"],
           ["--nats", URL, "--out", "-", "--tls-ca", "/nonexistent/ca.pem"],
           ["--nats", URL, "--out", "-", "--compress", "lz4"],
           ["--nats", URL, "--out", "-", "--user", "u"],
           ["--nats", URL, "--out", "-", "--durable", "a.b"],
           ["--nats", URL, "--out", "-", "--no-such-option"]]
    wrong = []
    for args in bad:
        p = run(needle, "gather", *args)
        if p.returncode != 2 or "needle gather" not in p.stderr:
            wrong.append((args, p.returncode, p.stderr[:200]))
    case(f"bad options: exit 2, said ({len(bad)} cases)", not wrong, *wrong)
except SystemExit as e:
    case("the test ran to its end", False, e)
except Exception as e:
    import traceback
    case("the test ran to its end", False, traceback.format_exc())
finally:
    cleanup()
finish()
