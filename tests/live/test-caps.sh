#!/usr/bin/env bash
# Live: needle run checks capabilities, not uid 0 (daemon/caps.h).
#   1 user nobody with CAP_AUDIT_CONTROL and CAP_SYS_PTRACE (ambient, as
#     setpriv or the unit grants them): registers (the kernel's audit pid is
#     needle's), writes the helper's events whole, with the exe of the root
#     shell that started the helper among their ancestors (a /proc read of a
#     process needle does not own), stops with 0, the kernel restored
#   2 the same without CAP_SYS_PTRACE: it still collects every event, says
#     what it leaves out at start, and the ancestors have no exe
#   3 nobody with CAP_AUDIT_READ only: exit 1, the message names
#     CAP_AUDIT_CONTROL and how to grant it; the kernel untouched
#   4 root whose bounding set lacks CAP_AUDIT_CONTROL: exit 1 the same way
#     (uid 0 alone is not enough)
#   5 mode = multicast with CAP_AUDIT_CONTROL only: exit 1, names
#     CAP_AUDIT_READ
# usage: test-caps.sh NEEDLE HELPER   (TAP; root; one at a time)
set -u
NEEDLE=$(readlink -f "$1") helper=$(readlink -f "$2")
. "$(dirname "$0")/lib.sh"
live_require tap
live_setup "needle-caps-$$"
key=$LIVE_KEY top=$LIVE_TOP
here=$(cd "$(dirname "$0")" && pwd)
rules_before=$(auditctl -l)
chmod 755 "$top"

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); echo "not ok $n - $1"; shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done
}
restored() { [ "$(ks_settings)" = "$SETTINGS_BEFORE" ] && [ "$(auditctl -l)" = "$rules_before" ]; }

# conf NAME [LINES]: a configuration nobody can read, a log_dir nobody owns.
conf() {
	mkdir -p "$top/$1/log"
	chown nobody:nogroup "$top/$1/log"
	printf '%s\n' "log_dir = $top/$1/log" "metrics_listen =" "control_socket =" \
		"backlog_wait_time = 100" "${2:-}" "plugin_dir =" > "$top/$1/needle.conf"
	chmod 644 "$top/$1/needle.conf"
}

# as_nobody CAPS NAME: needle as nobody with exactly CAPS (setpriv's list,
# e.g. +audit_control,+sys_ptrace), in the background; $pid.
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps="-all,$1" \
		--ambient-caps="-all,$1" --bounding-set="-all,$1" \
		"$NEEDLE" run --foreground -c "$top/$2/needle.conf" 2> "$top/$2/stderr" &
	pid=$!
	LIVE_PIDS+=("$pid")
}

wait_collecting() { live_wait_collecting "$top/$1/stderr" "$pid"; }

# collect NAME CAPS: case 1 or 2. Sets $status, $audit_pid, $events.
collect() {
	local name=$1 caps=$2
	conf "$name"
	as_nobody "$caps" "$name"
	audit_pid=none events=none status=none
	if ! wait_collecting "$name"; then
		live_stop "$pid"; status=$?
		return 1
	fi
	audit_pid=$(auditctl -s | awk '$1=="pid"{print $2}')
	auditctl -a always,exit -F arch=b64 -S openat -F exe="$helper" -F exit=-ENOENT -k "$key" >/dev/null
	"$helper" $(for i in $(seq 20); do echo "/nonexistent/$key/$name$i"; done)
	auditctl -D -k "$key" >/dev/null
	sleep 0.5
	live_stop "$pid"; status=$?
	events=$(/usr/bin/python3 "$here/check_json.py" "$top/$name/log/needle.json" "$key" 20 openat \
		"/nonexistent/$key/$name" 2>&1)
}

# The exe of the events' first ancestor (the root shell that ran the
# helper): "present" when every event has it, "absent" when none has.
ancestor_exe() {
	/usr/bin/python3 - "$top/$1/log/needle.json" "$key" <<'EOF'
import json, sys
have = []
for line in open(sys.argv[1], encoding="utf-8"):
    ev = json.loads(line)
    if sys.argv[2] not in (ev.get("why", {}).get("keys") or []):
        continue
    anc = (ev.get("where", {}).get("ancestors") or [{}])[0]
    have.append(bool(anc.get("exe")))
print("present" if have and all(have) else "absent" if have and not any(have) else f"mixed {have}")
EOF
}

# 1. With the capabilities the unit grants (less those it does not use here).
collect ptrace "+audit_control,+sys_ptrace"
exe=$(ancestor_exe ptrace 2>&1)
if [ "$audit_pid" = "$pid" ] && [ "$status" = 0 ] && printf '%s' "$events" | grep -q "20 (expected 20), 0 wrong" &&
	[ "$exe" = present ] && restored; then
	ok "nobody with CAP_AUDIT_CONTROL and CAP_SYS_PTRACE: registered, 20 events whole, ancestors' exe read, exit 0, kernel restored"
else
	not_ok "nobody with CAP_AUDIT_CONTROL and CAP_SYS_PTRACE" "kernel audit pid $audit_pid, needle $pid, exit $status" \
		"$events" "ancestor exe: $exe" "$(cat "$top/ptrace/stderr")" "$(ks_settings)"
fi

# 2. Without CAP_SYS_PTRACE: collecting works, the context is thinner.
collect noptrace "+audit_control"
exe=$(ancestor_exe noptrace 2>&1)
if [ "$audit_pid" = "$pid" ] && [ "$status" = 0 ] && printf '%s' "$events" | grep -q "20 (expected 20), 0 wrong" &&
	[ "$exe" = absent ] && grep -q "running without CAP_SYS_PTRACE" "$top/noptrace/stderr" && restored; then
	ok "nobody without CAP_SYS_PTRACE: 20 events whole, no ancestor exe, said at start, kernel restored"
else
	not_ok "nobody without CAP_SYS_PTRACE" "kernel audit pid $audit_pid, needle $pid, exit $status" \
		"$events" "ancestor exe: $exe" "$(cat "$top/noptrace/stderr")"
fi

# refused NAME CAPS WANT [root]: needle exits 1 at once naming WANT, the
# kernel untouched.
refused() {
	local name=$1 caps=$2 want=$3 who=${4:-nobody} before after
	before=$(auditctl -s | grep -v -e '^lost' -e '^backlog ' -e backlog_wait_time_actual)
	if [ "$who" = root ]; then
		setpriv --inh-caps="-all,$caps" --ambient-caps="-all,$caps" --bounding-set="-all,$caps" \
			"$NEEDLE" run --foreground -c "$top/$name/needle.conf" 2> "$top/$name/stderr"
	else
		setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps="-all,$caps" \
			--ambient-caps="-all,$caps" --bounding-set="-all,$caps" \
			"$NEEDLE" run --foreground -c "$top/$name/needle.conf" 2> "$top/$name/stderr"
	fi
	status=$?
	after=$(auditctl -s | grep -v -e '^lost' -e '^backlog ' -e backlog_wait_time_actual)
	[ "$status" = 1 ] && grep -q "needs the capability $want" "$top/$name/stderr" &&
		grep -q "setpriv --inh-caps=+$(printf '%s' "${want#CAP_}" | tr 'A-Z' 'a-z')" \
			"$top/$name/stderr" &&
		[ "$before" = "$after" ] && restored
}

conf readonly
if refused readonly "+audit_read" CAP_AUDIT_CONTROL; then
	ok "nobody with CAP_AUDIT_READ only: exit 1 naming CAP_AUDIT_CONTROL and setpriv, kernel untouched"
else
	not_ok "nobody with CAP_AUDIT_READ only" "exit $status" "$(cat "$top/readonly/stderr")"
fi

conf rootless
if refused rootless "+sys_ptrace,+net_admin" CAP_AUDIT_CONTROL root; then
	ok "root without CAP_AUDIT_CONTROL: exit 1 naming it, kernel untouched"
else
	not_ok "root without CAP_AUDIT_CONTROL" "exit $status" "$(cat "$top/rootless/stderr")"
fi

conf multicast "mode = multicast"
sed -i '/backlog_wait_time/d' "$top/multicast/needle.conf"
if refused multicast "+audit_control" CAP_AUDIT_READ; then
	ok "multicast with CAP_AUDIT_CONTROL only: exit 1 naming CAP_AUDIT_READ"
else
	not_ok "multicast with CAP_AUDIT_CONTROL only" "exit $status" "$(cat "$top/multicast/stderr")"
fi

echo "1..$n"
