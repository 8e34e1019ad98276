#!/usr/bin/env bash
# Live: the rules needle loads at start (the rules key) and its rule watch.
#  1. a rules file: each good rule loaded, a bad line and a rule the kernel
#     refuses named FILE:LINE, the others loaded;
#  2. the rule watch: a rule another process adds and one it removes are
#     named as auditctl -l writes them, counted in needle_rules_changed_total
#     and shown by needle stat;
#  3. at stop needle removes the rules it loaded and no other;
#  4. the same file loaded by auditctl -R gives the kernel the same rules;
#  5. the rules' settings where the configuration keeps them, the
#     configuration's where it sets them; an -e 2 that rules_immutable =
#     skip leaves out (never locked: the lock would last until reboot);
#  6. rules = augenrules on this machine's /etc/audit/rules.d.
# Every rule is narrowed to the test's helper (or its own files) under a
# key of the test's own; the kernel is restored in the exit trap.
# usage: test-rules.sh NEEDLE HELPER   (TAP; root; one at a time)
set -u
NEEDLE=$1 helper=$(readlink -f "$2")
. "$(dirname "$0")/lib.sh"
live_require tap
[ "$(uname -m)" = x86_64 ] || live_skip tap "the rules are written for x86_64"
key=needle-rules-$$
live_setup "$key"
trap 'auditctl -D -k "$key-other" >/dev/null 2>&1; live_cleanup' EXIT

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
# Waits up to 5 s for COMMAND to succeed.
wait_for() { for _ in $(seq 50); do "$@" && return 0; sleep 0.1; done; return 1; }
rules_now() { auditctl -l; }

echo "TAP version 13"
echo "1..6"

mkdir -p "$LIVE_TOP/watched-dir"
touch "$LIVE_TOP/watched"
rules=$LIVE_TOP/test.rules
# Lines 4 and 6 are bad: an unknown syscall (needle's parse), an exe in a
# directory that does not exist (the kernel refuses it). No -e, -b or -f:
# auditctl -R loads this file too (case 4).
cat > "$rules" <<EOF
-c
-D -k $key
-a always,exit -F arch=b64 -S openat,open -F exe=$helper -F exit=-ENOENT -k $key
-a always,exit -F arch=b64 -S nosuchcall -F exe=$helper -k $key
-w $LIVE_TOP/watched -p wa -k $key
-a always,exit -F arch=b64 -S openat -F exe=/nonexistent/needle-dir/x -k $key
-A always,exit -F arch=b64 -S unlink,unlinkat -F exe=$helper -C uid!=euid -F auid>=1000 -F key=$key -F key=$key-two
-a never,exit -F arch=b64 -S chmod -F exe=$helper -k $key
-w $LIVE_TOP/watched-dir/ -p r -k $key

-a always,exit -F arch=b32 -S open -F exe=$helper -F success=0 -k $key
-a always,exit -F arch=b64 -S connect -F exe=$helper -F a0=0x2 -F key=$key
EOF
chmod 0600 "$rules"

# 1. needle loads the file.
dir=$LIVE_TOP/file
if ! live_start file "rules = $rules
rules_check_interval = 1
backlog_wait_time = 100
metrics_listen =
control_socket = $LIVE_TOP/control"; then
	not_ok "needle starts with rules = FILE" "$(cat "$dir/stderr" 2>/dev/null)"
	exit 1
fi
pid=$started_pid
loaded=$(rules_now)
count=$(printf '%s\n' "$loaded" | grep -c -- "$key")
if grep -q "$rules:4: -S: unknown syscall 'nosuchcall'; line left out: -a always,exit -F arch=b64 -S nosuchcall" "$dir/stderr" &&
	grep -q "$rules:6: the kernel refused the rule: No such file or directory; line left out: -a always,exit -F arch=b64 -S openat -F exe=/nonexistent/needle-dir/x" "$dir/stderr" &&
	grep -q "rules: 7 of 8 rule(s) of $rules loaded; 2 line(s) left out" "$dir/stderr" &&
	[ "$count" = 7 ]; then
	ok "rules = FILE: 7 rules loaded, the bad line and the refused rule named at their lines"
else
	not_ok "rules = FILE: 7 rules loaded, the bad line and the refused rule named at their lines" \
		"kernel rules with the key: $count" "$loaded" "$(cat "$dir/stderr")"
fi

# 2. The rule watch: another process adds one rule and removes one of needle's.
auditctl -a always,exit -F arch=b64 -S chmod -F exe="$helper" -k "$key-other"
added_text=$(rules_now | grep -- "-F key=$key-other")
removed_text=$(printf '%s\n' "$loaded" | grep -- "-S connect")
auditctl -d always,exit -F arch=b64 -S connect -F exe="$helper" -F a0=0x2 -F key="$key"
said() { grep -qxF "needle: warning: audit rule $1 by another process: $2" "$dir/stderr"; }
both_said() { said added "$added_text" && said removed "$removed_text"; }
wait_for both_said; seen=$?
"$NEEDLE" stat --json --socket "$LIVE_TOP/control" > "$LIVE_TOP/stat.json" 2> "$LIVE_TOP/stat.err"
"$NEEDLE" stat --socket "$LIVE_TOP/control" > "$LIVE_TOP/stat.txt" 2>> "$LIVE_TOP/stat.err"
metric=$(/usr/bin/python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(int(m["needle_rules_changed_total{change=\"added\"}"]), int(m["needle_rules_changed_total{change=\"removed\"}"]), int(m["needle_kernel_rules"]))' "$LIVE_TOP/stat.json" 2>>"$LIVE_TOP/stat.err")
in_kernel=$(rules_now | grep -vc "^No rules")
if [ "$seen" = 0 ] && [ -n "$added_text" ] && [ -n "$removed_text" ] &&
	[ "$metric" = "1 1 $in_kernel" ] &&
	grep -qx "rules     $in_kernel in the kernel; changed by others since start: 1 added, 1 removed (the log names each)" "$LIVE_TOP/stat.txt"; then
	ok "rule watch: the added and the removed rule named as auditctl -l writes them, counted, in needle stat"
else
	not_ok "rule watch" "metric (added removed rules) '$metric', kernel has $in_kernel" \
		"added: $added_text" "removed: $removed_text" "$(cat "$dir/stderr")" \
		"$(cat "$LIVE_TOP/stat.txt" "$LIVE_TOP/stat.err" 2>/dev/null)"
fi

# 3. Stop: needle's rules go, the other process's rule stays.
live_stop "$pid"; status=$?
left=$(rules_now)
if [ "$status" = 0 ] && [ "$left" = "$added_text" ] && [ "$(ks_settings)" = "$SETTINGS_BEFORE" ]; then
	ok "stop: needle's rules removed, the rule another process added left, settings restored"
else
	not_ok "stop: needle's rules removed, the rule another process added left, settings restored" \
		"exit $status" "rules left: $left" "$(ks_settings | tr '\n' ' ')" "$(tail -5 "$dir/stderr")"
fi
auditctl -D -k "$key-other" >/dev/null

# 4. auditctl -R of the same file: the same rules in the kernel, in the same order.
auditctl -R "$rules" >/dev/null 2>&1
theirs=$(rules_now)
auditctl -D -k "$key" >/dev/null
if [ "$theirs" = "$loaded" ]; then
	ok "auditctl -R of the same file loads the same $count rules as needle did"
else
	not_ok "auditctl -R of the same file loads the same rules as needle did" \
		"needle:" "$loaded" "auditctl -R:" "$theirs"
fi

# 5. Settings from the rules; an -e 2 left out by rules_immutable = skip.
cat > "$LIVE_TOP/settings.rules" <<EOF
-b 2048
--backlog_wait_time 100
-a always,exit -F arch=b64 -S openat -F exe=$helper -k $key
-e 2
EOF
chmod 0600 "$LIVE_TOP/settings.rules"
dir=$LIVE_TOP/settings
if live_start settings "rules = $LIVE_TOP/settings.rules
rules_immutable = skip
enabled = 1
backlog_limit = keep
backlog_wait_time = 200
metrics_listen =
control_socket ="; then
	pid=$started_pid
	running=$(auditctl -s)
	live_stop "$pid"; status=$?
	if [ "$(ks_field "$running" enabled)" = 1 ] && [ "$(ks_field "$running" backlog_limit)" = 2048 ] &&
		[ "$(ks_field "$running" backlog_wait_time)" = 200 ] &&
		grep -q "settings.rules:4: -e 2 skipped (rules_immutable = skip): the kernel's audit configuration stays unlocked" "$dir/stderr" &&
		grep -q "settings.rules:2: '--backlog_wait_time 100' not applied: needle's configuration sets backlog_wait_time = 200 (set backlog_wait_time = keep to take the rules' value)" "$dir/stderr" &&
		[ "$status" = 0 ] && [ "$(ks_settings)" = "$SETTINGS_BEFORE" ] && [ "$(rules_now)" = "No rules" ]; then
		ok "the rules' -b applied (backlog_limit = keep), the configuration's backlog_wait_time kept and the line named, -e 2 skipped; all restored"
	else
		not_ok "rules' settings and -e 2 skipped" "while running: $(printf '%s\n' "$running" | tr '\n' ' ')" \
			"exit $status" "$(cat "$dir/stderr")"
	fi
else
	not_ok "needle starts with a rules file holding -e 2 (skipped)" "$(cat "$dir/stderr")"
fi

# 6. rules = augenrules: this machine's /etc/audit/rules.d, as auditd.service has it loaded,
# with a file of the test's own in it (one narrow rule, removed by the exit
# trap): needle merges rules.d as augenrules does, so that rule is loaded
# with the machine's, and an event of the helper reaches the log.
dir=$LIVE_TOP/augenrules
own_rules=/etc/audit/rules.d/zz-needle-test-$$.rules
if [ ! -d /etc/audit/rules.d ]; then
	ok "rules = augenrules # SKIP no /etc/audit/rules.d"
else
	LIVE_FILES+=("$own_rules")
	printf '%s\n' "## needle's live test (tests/live/test-rules.sh), removed when it ends" \
		"-a always,exit -F arch=b64 -S openat -F exe=$helper -F exit=-ENOENT -k $key-rulesd" > "$own_rules"
	before_total=$(cat /etc/audit/rules.d/*.rules | grep -c '^-[aAw] ')
	if live_start augenrules "rules = augenrules
rules_immutable = skip
default_rules = yes
backlog_wait_time = 100
metrics_listen =
control_socket ="; then
		pid=$started_pid
		summary=$(grep -o "rules: [0-9]* of [0-9]* rule(s) of /etc/audit/rules.d loaded" "$dir/stderr")
		total=$(echo "$summary" | awk '{print $4}')
		loaded=$(echo "$summary" | awk '{print $2}')
		in_kernel=$(rules_now | grep -c -- "-k $key-rulesd\|key=$key-rulesd")
		"$helper" "/nonexistent/$key-rulesd" >/dev/null 2>&1
		sleep 1.5
		live_stop "$pid"; status=$?
		events=$(grep -c "\"$key-rulesd\"" "$dir/log/needle.json")
		if [ -n "$summary" ] && [ "$total" = "$before_total" ] && [ "$loaded" = "$total" ] &&
			[ "$in_kernel" = 1 ] && [ "$events" -ge 1 ] &&
			[ "$status" = 0 ] && [ "$(ks_settings)" = "$SETTINGS_BEFORE" ] && [ "$(rules_now)" = "No rules" ]; then
			ok "rules = augenrules: '$summary' (rules.d's $before_total, the test's own file among them), its rule in the kernel and its event in the log; all removed at stop"
		else
			not_ok "rules = augenrules" "summary '$summary' (rules.d has $before_total), the test's rule in the kernel $in_kernel times, its events $events, exit $status" "$(cat "$dir/stderr")"
		fi
	else
		not_ok "needle starts with rules = augenrules" "$(cat "$dir/stderr")"
	fi
	rm -f "$own_rules"
fi
[ "$failed" = 0 ]
