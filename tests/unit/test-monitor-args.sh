#!/usr/bin/env bash
# needle monitor refuses --listen with --once (exit 2, a message naming
# both) instead of ignoring --listen, in either order, before it touches
# the audit socket (so any user gets the answer).
# usage: test-monitor-args.sh NEEDLE   (TAP)
set -u
needle=$1
echo "TAP version 13"
echo "1..2"
bad=0
n=0
for args in "--once --listen 127.0.0.1:1" "--listen 127.0.0.1:1 --json --once"; do
	n=$((n + 1))
	err=$("$needle" monitor $args 2>&1 >/dev/null); status=$?
	if [ "$status" = 2 ] && grep -q -- "--listen and --once do not go together" <<< "$err"; then
		echo "ok $n - monitor $args: exit 2, refused"
	else
		echo "not ok $n - monitor $args: exit 2, refused"
		echo "# exit $status: $err"; bad=1
	fi
done
[ "$bad" = 0 ]
