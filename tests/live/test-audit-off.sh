#!/usr/bin/env bash
# Live: a multicast needle with the kernel's audit disabled says so, at
# start and in its self-watch, instead of collecting nothing without a
# word; `mode = multicast` alone is a whole configuration (kernel settings
# default to keep), and needle changes no kernel setting.
# usage: test-audit-off.sh NEEDLE   (TAP; root; one at a time)
set -u
NEEDLE=$1
. "$(dirname "$0")/lib.sh"
live_require tap
live_setup "needle-off-$$"
dir=$LIVE_TOP/off

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
warnings() { grep -c "warning: the kernel's audit is disabled (enabled 0)" "$dir/stderr"; }
warned_twice() { [ "$(warnings)" = 2 ]; }
# Waits up to 5 s for COMMAND to succeed.
wait_for() { for _ in $(seq 50); do "$@" && return 0; sleep 0.1; done; return 1; }

echo "TAP version 13"
echo "1..4"

auditctl -e 0 >/dev/null
before=$(ks_settings)
# No metrics or control endpoint: the file has nothing but the mode.
if ! live_start off "mode = multicast
metrics_listen =
control_socket ="; then
	not_ok "multicast needle starts with mode = multicast alone" "$(cat "$dir/stderr" 2>/dev/null)"
	exit 1
fi
pid=$started_pid

# 1. At start.
if [ "$(warnings)" = 1 ]; then
	ok "warned at start that the kernel's audit is disabled"
else
	not_ok "warned at start that the kernel's audit is disabled" "$(cat "$dir/stderr")"
fi

# 2. Enabled: said once, and no warning while it stays on.
auditctl -e 1 >/dev/null
wait_for grep -q "the kernel's audit is enabled again" "$dir/stderr"; seen=$?
sleep 2
if [ "$seen" = 0 ] && [ "$(warnings)" = 1 ]; then
	ok "audit enabled: noted, no warning while it is on"
else
	not_ok "audit enabled: noted, no warning while it is on" "$(cat "$dir/stderr")"
fi

# 3. Disabled while needle runs: the self-watch warns again.
auditctl -e 0 >/dev/null
if wait_for warned_twice; then
	ok "self-watch warned when the kernel's audit was disabled again"
else
	not_ok "self-watch warned when the kernel's audit was disabled again" "$(cat "$dir/stderr")"
fi

live_stop "$pid"; status=$?
after=$(ks_settings)
# 4. A multicast needle changed nothing in the kernel (the test itself
#    left enabled at 0, as it was when needle started).
if [ "$status" = 0 ] && [ "$before" = "$after" ]; then
	ok "stopped with status 0; kernel settings as before"
else
	not_ok "stopped with status 0; kernel settings as before" "exit $status" "before: $before" "after: $after"
fi
[ "$failed" = 0 ]
