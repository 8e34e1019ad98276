#!/usr/bin/env bash
# tests/live/lib.sh's skip, as a user who is not root: a TAP live test
# (live_require tap) prints a plan of no case with the reason and exits 0,
# which meson reports SKIP; a plain one exits 77, meson's skip for the
# exit-code protocol. Run as root, the probe runs as nobody.
# usage: test-live-skip.sh   (TAP)
set -u
lib=$(cd "$(dirname "$0")/../live" && pwd)/lib.sh
top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT
chmod 755 "$top"
echo "TAP version 13"
echo "1..2"
bad=0
probe() {
	printf '. %q\nlive_require %s\necho "not skipped"\n' "$lib" "$1" > "$top/probe.sh"
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups bash "$top/probe.sh"
	else
		bash "$top/probe.sh"
	fi
}
out=$(probe tap); status=$?
if [ "$status" = 0 ] && [ "$out" = "1..0 # SKIP needs root for the kernel's audit socket" ]; then
	echo "ok 1 - TAP live test as non-root: a plan of no case with the reason, exit 0"
else
	echo "not ok 1 - TAP live test as non-root skips with 1..0 # SKIP and exit 0"
	echo "# exit $status: $out"; bad=1
fi
out=$(probe ""); status=$?
if [ "$status" = 77 ] && ! grep -q "not skipped" <<< "$out"; then
	echo "ok 2 - plain live test as non-root exits 77"
else
	echo "not ok 2 - plain live test as non-root exits 77"
	echo "# exit $status: $out"; bad=1
fi
[ "$bad" = 0 ]
