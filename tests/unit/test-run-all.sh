#!/usr/bin/env bash
# tests/run-all.sh must fail when its numbers mean nothing: a meson run
# that wrote an empty log (killed before any test), a meson killed
# outright, a meson that exited non-zero with every test in its log passed,
# a log cut short. It must pass a run whose tests passed or skipped, and
# show the skips in its last line. meson and ninja are replaced by fakes in
# PATH (tests/unit/fake-meson.sh), so nothing is built or run for real.
# usage: test-run-all.sh   (TAP)
set -u
here=$(cd "$(dirname "$0")" && pwd)
run_all=$here/../run-all.sh
top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT
mkdir -p "$top/bin"
cp "$here/fake-meson.sh" "$top/bin/meson"
printf '#!/bin/sh\nexit 0\n' > "$top/bin/ninja"
chmod +x "$top/bin/meson" "$top/bin/ninja"

echo "TAP version 13"
echo "1..6"
n=0 bad=0
# case MODE WANT_STATUS WANT_LAST_LINE(regex) WHAT
check() {
	local mode=$1 want=$2 line=$3 what=$4 status last
	n=$((n + 1))
	rm -rf "$top/b" "$top/t" "$top/a"
	mkdir -p "$top/b"
	(cd "$top" && FAKE_MESON_MODE=$mode PATH="$top/bin:$PATH" bash "$run_all" b t a \
		> "$top/out" 2>&1)
	status=$?
	last=$(tail -1 "$top/out")
	if { { [ "$want" = 0 ] && [ "$status" = 0 ]; } || { [ "$want" != 0 ] && [ "$status" != 0 ]; }; } &&
		grep -Eq "$line" <<< "$last"; then
		echo "ok $n - $what (exit $status: $last)"
	else
		echo "not ok $n - $what"
		bad=$((bad + 1))
		echo "# exit $status, wanted $( [ "$want" = 0 ] && echo 0 || echo non-zero)"
		sed 's/^/# /' "$top/out"
	fi
}
check pass 0 '^9 passed, 0 failed, 0 skipped$' "every test passed: exit 0"
check skip 0 '^3 passed, 0 failed, 6 skipped$' "skips are counted as skipped, not passed"
check empty 1 ' [1-9][0-9]* failed' "an empty test log (meson ran nothing) fails"
check killed 1 ' [1-9][0-9]* failed' "meson killed before writing its log fails"
check status 1 ' [1-9][0-9]* failed' "meson exiting non-zero with all tests passed fails"
check cut 1 ' [1-9][0-9]* failed' "a test log cut in the middle of a line fails"
[ "$bad" = 0 ]
