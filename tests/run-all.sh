#!/usr/bin/env bash
# Runs every test suite and ends with one line: "N passed, N failed, N skipped"
# (test cases over all builds). It exits non-zero when a case failed, a
# build failed, a meson run exited non-zero or ran no test at all.
#   build   all suites (unit, live, stress) in the normal build
#   tsan    unit and stress under ThreadSanitizer (not corpus-peers: the
#           peer comparisons of decode-ausearch and decode-numbers run
#           the decoding decode-corpus runs, minutes slower sanitized; not
#           decode-cli: `needle decode` has one thread; not runner: the
#           runner's own test runs no needle binary)
#   asan    the same under AddressSanitizer + UndefinedBehaviorSanitizer,
#           decode-cli included
# Sanitized runs push fewer stress records (they run 5-20x slower).
set -u
build=${1:-build} tsan=${2:-build-tsan} asan=${3:-build-asan}
sanitizer_records=${NEEDLE_SANITIZER_STRESS_RECORDS:-5000000}
passed=0 failed=0 skipped=0 broken=0

# Adds the results of one meson test run, read from its JSON log: each
# TAP test case counts once. A run counts as failed when meson exited
# non-zero without a failed case to show for it (killed, a build error, a
# timeout of its own) or when its log holds no test at all: a run that
# executed nothing never passes.
count() {
	local dir=$1 label=$2 meson_status=$3 line
	line=$(python3 - "$dir/meson-logs/testlog.json" "$label" "$meson_status" <<'PY'
import json, re, sys
# Counts test cases: the TAP lines of each test program, or the program
# itself when it printed no TAP (or crashed before finishing its plan).
path, label, meson_status = sys.argv[1], sys.argv[2], int(sys.argv[3])
p = f = s = tests = 0
def failed(what):
    global f
    f += 1
    print(f"FAILED [{label}] {what}", file=sys.stderr)
try:
    for n, raw in enumerate(open(path), 1):
        try:
            t = json.loads(raw)
        except ValueError:
            failed(f"{path}:{n}: not a JSON line (meson cut short?)")
            continue
        tests += 1
        r = t.get("result")
        out = t.get("stdout") or ""
        ok = re.findall(r"^ok \d+ - (.*)$", out, re.M)
        bad = re.findall(r"^not ok \d+ - (.*)$", out, re.M)
        skips = [c for c in ok if "# SKIP" in c]
        # TAP TODO: a known weakness, shown and counted with the skipped
        todos = [c for c in bad if "# TODO" in c]
        bad = [c for c in bad if "# TODO" not in c]
        p += len(ok) - len(skips)
        s += len(skips) + len(todos)
        for c in skips:
            print(f"SKIPPED [{label}] {t.get('name')}: {c}", file=sys.stderr)
        for c in todos:
            print(f"TODO [{label}] {t.get('name')}: {c}", file=sys.stderr)
        for c in bad:
            failed(f"{t.get('name')}: {c}")
        if r not in ("OK", "EXPECTEDFAIL", "SKIP") and not bad:
            failed(f"{t.get('name')}: {r}")
        elif not ok and not bad:
            if r == "SKIP":
                s += 1
                plan = re.search(r"^1\.\.0\s*#\s*SKIP\s*(.*)$", out, re.M)
                print(f"SKIPPED [{label}] {t.get('name')}: {plan.group(1) if plan else 'skipped'}",
                      file=sys.stderr)
            elif r in ("OK", "EXPECTEDFAIL"):
                p += 1
except FileNotFoundError:
    failed(f"no test log at {path}")
if tests == 0:
    failed(f"meson ran no test ({path} is empty)")
if meson_status != 0 and f == 0:
    failed(f"meson test exited {meson_status} but no test failed in its log")
print(p, f, s)
PY
) || line="0 1 0"
	set -- $line
	passed=$((passed + $1)) failed=$((failed + $2)) skipped=$((skipped + $3))
}

# Configures (once) and builds a sanitizer build directory.
sanitized_build() {
	local dir=$1 sanitize=$2
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" --buildtype=debugoptimized -Db_sanitize="$sanitize" \
			-Db_lundef=false -Dc_args=-fno-sanitize-recover=all >/dev/null ||
			{ echo "run-all: meson setup $dir failed"; return 1; }
	fi
	ninja -C "$dir" >/dev/null || { echo "run-all: build of $dir failed"; return 1; }
}

run() {
	local dir=$1 label=$2; shift 2
	echo "== $label: meson test -C $dir $*"
	rm -f "$dir/meson-logs/testlog.json"
	meson test -C "$dir" --no-rebuild --print-errorlogs "$@"
	count "$dir" "$label" $?
}

run "$build" normal

if sanitized_build "$tsan" thread; then
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp" \
	NEEDLE_STRESS_RECORDS=$sanitizer_records \
		run "$tsan" tsan --suite unit --suite stress --no-suite corpus-peers \
			--no-suite decode-cli --no-suite runner
else
	broken=$((broken + 1))
fi

if sanitized_build "$asan" address,undefined; then
	ASAN_OPTIONS="detect_leaks=1 abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1" \
	NEEDLE_STRESS_RECORDS=$sanitizer_records \
		run "$asan" asan+ubsan --suite unit --suite stress --no-suite corpus-peers \
			--no-suite runner
else
	broken=$((broken + 1))
fi

failed=$((failed + broken))
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
