#!/usr/bin/env bash
# A stand-in for meson for tests/unit/test-run-all.sh: `meson setup DIR`
# makes DIR/build.ninja; `meson test -C DIR ...` writes DIR/meson-logs/
# testlog.json as FAKE_MESON_MODE says and exits as meson would:
#   pass    two tests, one TAP (two cases) and one plain, all OK; exit 0
#   skip    a TAP test with one case passed and one skipped, and a whole
#           TAP test skipped (1..0 # SKIP); exit 0
#   empty   an empty log; exit 0 (what meson killed at start leaves)
#   killed  no log; killed by SIGKILL
#   status  the pass log, but exit 1
#   cut     the pass log with its last line cut short; exit 0
set -u
cmd=$1; shift
case $cmd in
setup)
	mkdir -p "$1" && touch "$1/build.ninja"; exit 0 ;;
test) ;;
*) echo "fake meson: $cmd?" >&2; exit 2 ;;
esac
dir=
while [ $# -gt 0 ]; do
	[ "$1" = -C ] && { dir=$2; shift; }
	shift
done
mkdir -p "$dir/meson-logs"
log=$dir/meson-logs/testlog.json
pass='{"name": "ring", "result": "OK", "stdout": "TAP version 13\n1..2\nok 1 - a\nok 2 - b\n"}
{"name": "plain", "result": "OK", "stdout": ""}'
case ${FAKE_MESON_MODE:-pass} in
pass) printf '%s\n' "$pass" > "$log" ;;
skip) printf '%s\n' '{"name": "half", "result": "OK", "stdout": "1..2\nok 1 - a\nok 2 - b # SKIP needs root\n"}' \
	'{"name": "live", "result": "SKIP", "stdout": "1..0 # SKIP needs root\n"}' > "$log" ;;
empty) : > "$log" ;;
killed) kill -KILL $$ ;;
status) printf '%s\n' "$pass" > "$log"; exit 1 ;;
cut) printf '%s\n%s' "$pass" '{"name": "third", "res' > "$log" ;;
esac
exit 0
