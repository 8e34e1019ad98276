#!/usr/bin/env bash
# needle monitor refuses --listen with --once (exit 2, a message naming
# both) instead of ignoring --listen, in either order, before it touches
# the audit socket (so any user gets the answer). As root (it only reads
# the kernel's status: no lock needed): a user without the capability is
# told to use sudo, once; the text line names its unit of waiting and says
# when the kernel's audit is off, as auditctl -s shows it.
# usage: test-monitor-args.sh NEEDLE   (TAP)
set -u
needle=$1
echo "TAP version 13"
echo "1..5"
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

# A malformed interval is named, not read as its leading digits.
n=$((n + 1))
bad_intervals=""
for v in 5x 1.5 -1 0 3601 ""; do
	err=$("$needle" monitor --once --interval "$v" 2>&1 >/dev/null); status=$?
	[ "$status" = 2 ] && grep -q -- "--interval $v: seconds, 1 to 3600" <<< "$err" || bad_intervals="$bad_intervals [$v: exit $status]"
done
if [ -z "$bad_intervals" ]; then
	echo "ok $n - monitor --interval 5x, 1.5, -1, 0, 3601, empty: exit 2, named"
else
	echo "not ok $n - monitor --interval 5x, 1.5, -1, 0, 3601, empty: exit 2, named"
	echo "#$bad_intervals"; bad=1
fi

enabled() { auditctl -s 2>/dev/null | awk '$1=="enabled"{print $2}'; }
n=$((n + 1))
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	echo "ok $n - monitor without the capability # SKIP not root"
else
	err=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$needle" monitor --once 2>&1 >/dev/null)
	status=$?
	if [ "$status" = 1 ] && grep -q "needs root" <<< "$err" && grep -q "run it with sudo" <<< "$err" &&
		[ "$(grep -o "root" <<< "$err" | wc -l)" = 1 ]; then
		echo "ok $n - monitor without the capability: exit 1, told to use sudo once"
	else
		echo "not ok $n - monitor without the capability: exit 1, told to use sudo once"
		echo "# exit $status: $err"; bad=1
	fi
fi
n=$((n + 1))
if [ "$(id -u)" != 0 ] || ! command -v auditctl >/dev/null; then
	echo "ok $n - monitor --once text line # SKIP not root or no auditctl"
else
	# Another test may switch audit on or off meanwhile: compare only when
	# the kernel said the same before and after.
	for _ in 1 2 3 4 5; do
		before=$(enabled); line=$("$needle" monitor --once 2>&1); after=$(enabled)
		[ "$before" = "$after" ] && break
	done
	if [ "$before" != "$after" ]; then
		echo "not ok $n - monitor --once text line: audit kept changing (enabled $before, $after)"; bad=1
	elif grep -q "waited [0-9]* jiffies (+[0-9]*)" <<< "$line" &&
		[ "$([ "$before" = 0 ] && echo off)" = "$(grep -q "audit OFF" <<< "$line" && echo off)" ]; then
		echo "ok $n - monitor --once text line: waited in jiffies, audit OFF exactly when enabled is 0 (enabled $before)"
	else
		echo "not ok $n - monitor --once text line: waited in jiffies, audit OFF exactly when enabled is 0"
		echo "# enabled $before: $line"; bad=1
	fi
fi
[ "$bad" = 0 ]
