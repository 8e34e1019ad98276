#!/usr/bin/env bash
# Live: an auditd plugin that needs more than needle.service allows, Debian's
# laurel, as the one plugin of needle run under the unit (unit_exec.py applies
# its [Service] options as systemd does; PID 1 here is not systemd). The
# plugin's own plugin_dir, a laurel.conf whose args name a laurel
# configuration of the test's own (Debian's /etc/laurel/config.toml, its
# directory a folder of the test made as laurel leaves /var/log/laurel: owned
# by _laurel); the machine's /etc/audit/plugins.d and /var/log/laurel are
# left alone.
#   1 systemd-analyze verify: no word on the unit with the drop-in shipped for
#     laurel (install/needle.service.d/laurel.conf) beside it; a bad key in the
#     drop-in is named (the check reads it)
#   2 without the drop-in: laurel cannot start (its own error in needle's
#     log), each exit is named with its status, then given up with the last
#     status, "within a second of its start" and needle's sandbox named with
#     a pointer to needle(8); needle stays up and collecting: the helper's
#     events are all in its JSON log; laurel wrote nothing
#   3 with the drop-in (and one of the test's own making laurel's folder
#     writable, as the shipped one does /var/log/laurel): laurel runs as
#     _laurel and its log holds the helper's events, the same event ids as
#     needle's JSON log (counted from each file, against the helper's calls);
#     laurel got every record (nothing dropped); the kernel as before
#   4 each grant of the drop-in is needed: laurel alone under the unit (no
#     needle, no kernel: records on its standard input, as needle gives them)
#     fails without any one of them, each time saying the call refused, and
#     logs the event with all of them
# usage: test-laurel.sh NEEDLE UNIT HELPER DROPIN   (TAP; root; one at a time)
set -u
NEEDLE=$(readlink -f "$1") UNIT=$(readlink -f "$2") helper=$(readlink -f "$3") DROPIN=$(readlink -f "$4")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
LAUREL=/usr/sbin/laurel
command -v systemd-analyze >/dev/null || { echo "1..0 # SKIP systemd-analyze missing (Debian package systemd)"; exit 0; }
for need in "/usr/bin/python3 -c 'import seccomp'" "test -x $LAUREL" "id _laurel"; do
	sh -c "$need" >/dev/null 2>&1 ||
		{ echo "not ok 1 - $need: fails (Debian packages python3-seccomp, laurel)"; echo "1..1"; exit 1; }
done
live_require tap
live_setup "needle-laurel-$$"
key=$LIVE_KEY top=$LIVE_TOP
rules_before=$(auditctl -l)
EVENTS=50

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); echo "not ok $n - $1"; shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done
}
trap 'auditctl -D -k "$key" >/dev/null 2>&1; live_cleanup' EXIT
restored() { [ "$(ks_settings)" = "$SETTINGS_BEFORE" ] && [ "$(auditctl -l)" = "$rules_before" ]; }

# 1. The unit and the shipped drop-in, as systemd reads them.
mkdir -p "$top/verify/needle.service.d"
program=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$UNIT")
sed "s#^ExecStart=$program #ExecStart=$NEEDLE #" "$UNIT" > "$top/verify/needle.service"
cp "$DROPIN" "$top/verify/needle.service.d/laurel.conf"
verify=$(cd "$top/verify" && systemd-analyze verify --man=no needle.service 2>&1)
status=$?
printf '%s\n' 'NoSuchKey=1' >> "$top/verify/needle.service.d/laurel.conf"
control=$(cd "$top/verify" && systemd-analyze verify --man=no needle.service 2>&1)
if [ $status = 0 ] && [ -z "$verify" ] &&
	printf '%s' "$control" | grep -q "needle.service.d/laurel.conf:[0-9]*: Unknown key 'NoSuchKey'"; then
	ok "systemd-analyze verify: no word on the unit with the laurel drop-in; a bad key in the drop-in is named"
else
	not_ok "systemd-analyze verify with the drop-in" "exit $status" "$verify" "control: $control"
fi

# laurel as the one plugin, its folder as laurel leaves /var/log/laurel.
mkdir -p "$top/plugins" "$top/laurel"
install -d -o _laurel -g _laurel -m 0755 "$top/laurel/log"
sed "s#^directory = .*#directory = \"$top/laurel/log\"#" /etc/laurel/config.toml > "$top/laurel/config.toml"
grep -q "^directory = \"$top/laurel/log\"$" "$top/laurel/config.toml" &&
	grep -q '^user = "_laurel"$' "$top/laurel/config.toml" ||
	{ not_ok "a laurel configuration with the test's folder and user _laurel" "$(head -5 "$top/laurel/config.toml")"; echo "1..$n"; exit 1; }
printf '%s\n' "active = yes" "direction = out" "path = $LAUREL" "type = always" \
	"args = --config $top/laurel/config.toml" "format = string" > "$top/plugins/laurel.conf"
printf '%s\n' '[Service]' "ReadWritePaths=$top/laurel/log" > "$top/paths.conf"

# service NAME [unit_exec options]: needle under the unit; $pid, $collecting.
service() {
	local name=$1; shift
	mkdir -p "$top/$name"
	printf '%s\n' "log_dir = $top/$name/log" "metrics_listen =" "control_socket =" \
		"backlog_wait_time = 100" "plugin_dir = $top/plugins" "max_restarts = 2" \
		> "$top/$name/needle.conf"
	/usr/bin/python3 "$here/unit_exec.py" "$UNIT" --binary "$NEEDLE" \
		--config "$top/$name/needle.conf" --logs-dir "$top/$name/log" "$@" 2> "$top/$name/stderr" &
	pid=$!
	LIVE_PIDS+=("$pid")
	collecting=no
	for _ in $(seq 50); do
		grep -q "^needle: collecting" "$top/$name/stderr" && { collecting=yes; break; }
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	grep "^unit_exec: " "$top/$name/stderr" | sed 's/^/# /'
}
wait_for() { # SECONDS COMMAND...
	local t=$(($1 * 10)); shift
	for _ in $(seq "$t"); do "$@" && return 0; sleep 0.1; done
	return 1
}
load() { # NAME: EVENTS failing openat calls of the helper, under a rule of the test
	auditctl -a always,exit -F arch=b64 -S openat -F exe="$helper" -F exit=-ENOENT -k "$key" >/dev/null
	"$helper" $(for i in $(seq $EVENTS); do echo "/nonexistent/$key/$1$i"; done)
	auditctl -D -k "$key" >/dev/null
}
# ids FILE needle|laurel: the ids of the events with the test's key, one a
# line, sorted: needle's JSON log ("id", why.keys) or laurel's ("ID",
# SYSCALL.key).
ids() {
	/usr/bin/python3 - "$1" "$2" "$key" <<'EOF'
import json, sys
path, kind, key = sys.argv[1:4]
out = []
for line in open(path, encoding="utf-8"):
    ev = json.loads(line)
    if kind == "needle":
        if key in (ev.get("why", {}).get("keys") or []):
            out.append(ev["id"])
    else:
        k = ev.get("SYSCALL", {}).get("key")
        if k == key or (isinstance(k, list) and key in k):
            out.append(ev["ID"])
print("\n".join(sorted(out)))
EOF
}

# 2. The unit as shipped: laurel cannot start; needle goes on without it.
service bare
err=$top/bare/stderr
wait_for 10 grep -q "^needle: plugin laurel: started again 2 times, max_restarts is 2: given up" "$err"
load bare
sleep 1
alive=no; kill -0 "$pid" 2>/dev/null && alive=yes
kill -TERM "$pid"; wait "$pid"; status=$?
events=$(/usr/bin/python3 "$here/check_json.py" "$top/bare/log/needle.json" "$key" $EVENTS openat \
	"/nonexistent/$key/bare" 2>&1)
exits=$(grep -c "^needle: plugin laurel: $LAUREL (pid [0-9]*) \(exited with status [1-9][0-9]*\|was killed by signal [0-9]* (.*)\)$" "$err")
last=$(grep "^needle: plugin laurel: $LAUREL (pid [0-9]*) " "$err" | tail -1 | sed 's/^[^)]*) //')
given_up=$(grep "^needle: plugin laurel: started again 2 times" "$err")
wrote=$(find "$top/laurel/log" -type f | wc -l)
if [ $collecting = yes ] && [ $alive = yes ] && [ $status = 0 ] &&
	printf '%s' "$events" | grep -q "$EVENTS (expected $EVENTS), 0 wrong" &&
	grep -q "^$LAUREL: .*$top/laurel/log: .*Read-only file system" "$err" && [ "$exits" = 3 ] &&
	printf '%s' "$given_up" | grep -qF "; each of its 3 runs ended within a second of its start, the last one $last. It runs confined as needle is (needle.service confines it): needle's capability bounding set lacks CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_SETUID and CAP_SETGID (a plugin started as root gets no capability outside it) and / is read-only; a plugin that needs more (to write elsewhere, other capabilities) needs it granted to needle: a drop-in for needle.service (needle(8), PLUGINS)" &&
	[ "$wrote" = 0 ] && restored; then
	ok "without the drop-in: laurel said it could not write its folder, 3 runs ended ($last), given up naming needle's sandbox and needle(8); needle collected on: $EVENTS events of $EVENTS in its JSON log, exit 0"
else
	not_ok "without the drop-in: laurel fails, said; needle collects on" \
		"collecting $collecting, alive $alive, exit $status, exits named $exits, files laurel wrote $wrote" \
		"$events" "given up: $given_up" "$(cat "$err")" "$(ks_settings)"
fi

# 3. With the drop-in: laurel gets what it needs, and logs the load.
service dropin --dropin "$DROPIN" --dropin "$top/paths.conf"
err=$top/dropin/stderr
wait_for 10 grep -q "^$LAUREL: Running with EUID $(id -u _laurel) " "$err"
load dropin
sleep 1
alive=no; kill -TERM "$pid" 2>/dev/null && alive=yes
wait "$pid"; status=$?
needle_ids=$(ids "$top/dropin/log/needle.json" needle 2>&1)
laurel_ids=$(ids "$top/laurel/log/audit.log" laurel 2>&1)
n_needle=$(printf '%s' "$needle_ids" | grep -c .)
n_laurel=$(printf '%s' "$laurel_ids" | grep -c .)
owner=$(stat -c %U "$top/laurel/log/audit.log" 2>&1)
stopped=$(grep "^needle: stopped: plugin laurel got " "$err")
if [ $collecting = yes ] && [ $alive = yes ] && [ $status = 0 ] &&
	[ "$n_needle" = $EVENTS ] && [ "$laurel_ids" = "$needle_ids" ] && [ "$owner" = _laurel ] &&
	! grep -q "^needle: plugin laurel: $LAUREL (pid" "$err" &&
	printf '%s' "$stopped" | grep -q "did not get: 0 (queue full), 0 (not running), 0 (at stop), 0 (out of memory); started again 0 times$" &&
	restored; then
	ok "with the drop-in: laurel ran as _laurel; its log has the $n_laurel events of the key, the ids of needle's JSON log's $n_needle ($EVENTS calls); it got every record; exit 0, kernel restored"
else
	not_ok "with the drop-in: laurel logs the load" \
		"collecting $collecting, alive $alive, exit $status; events with the key: needle $n_needle, laurel $n_laurel (of $EVENTS calls)" \
		"audit.log owner: $owner" "$stopped" \
		"only in needle's: $(comm -23 <(echo "$needle_ids") <(echo "$laurel_ids") | head -3 | tr '\n' ' ')" \
		"only in laurel's: $(comm -13 <(echo "$needle_ids") <(echo "$laurel_ids") | head -3 | tr '\n' ' ')" \
		"$(cat "$err")" "$(ks_settings)"
fi
# 4. Each grant of the drop-in is needed: laurel alone under the unit (its
# ExecStart in needle's place; as needle starts it: root, records on its
# standard input), its folder as laurel leaves it each time, with the
# drop-ins less one grant (a third drop-in, CapabilityBoundingSet=~CAP_X,
# takes one away; without the test's paths drop-in the folder is read-only).
sed "s#^ExecStart=.*#ExecStart=$LAUREL -c /etc/laurel/config.toml#" "$UNIT" > "$top/laurel.service"
sed "s#^directory = .*#directory = \"$top/alone/log\"#" "$top/laurel/config.toml" > "$top/alone.toml"
printf '%s\n' '[Service]' "ReadWritePaths=$top/alone/log" > "$top/alone-paths.conf"
records="type=SYSCALL msg=audit(1700000000.000:7): arch=c000003e syscall=257 success=no exit=-2 a0=ffffff9c a1=0 a2=0 a3=0 items=0 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"x\" exe=\"/x\" key=\"$key-alone\"
type=EOE msg=audit(1700000000.000:7): "
alone() { # WITHOUT: laurel alone, the drop-in without WITHOUT; "$said", $status
	rm -rf "$top/alone"
	install -d -o _laurel -g _laurel -m 0755 "$top/alone/log"
	local extra=()
	case $1 in
	paths) ;;
	none) extra=(--dropin "$top/alone-paths.conf") ;;
	*) printf '%s\n' '[Service]' "CapabilityBoundingSet=~$1" > "$top/zz-less.conf"
		extra=(--dropin "$top/alone-paths.conf" --dropin "$top/zz-less.conf") ;;
	esac
	printf '%s\n' "$records" | /usr/bin/python3 "$here/unit_exec.py" "$top/laurel.service" \
		--binary "$LAUREL" --config "$top/alone.toml" --logs-dir "$top/alone/needle" \
		--dropin "$DROPIN" "${extra[@]}" > "$top/alone.out" 2>&1
	status=$?
	said=$(grep -v '^unit_exec: applied' "$top/alone.out")
}
bad=()
for c in "paths chown:.*Read-only file system" "CAP_FOWNER chmod:.*Operation not permitted" \
	"CAP_SETGID setresgid.*EPERM" "CAP_SETUID setresuid.*EPERM" "CAP_DAC_READ_SEARCH capset failure"; do
	alone "${c%% *}"
	logged=$(cat "$top/alone/log/audit.log" 2>/dev/null | grep -c "$key-alone")
	{ [ "$status" != 0 ] && [ "$logged" = 0 ] && printf '%s' "$said" | grep -q "^$LAUREL: .*${c#* }"; } ||
		bad+=("without ${c%% *}: exit $status, $logged events logged, said: $said")
done
alone none
logged=$(grep -c "\"key\":\"$key-alone\"" "$top/alone/log/audit.log" 2>&1)
if [ ${#bad[@]} = 0 ] && [ "$status" = 0 ] && [ "$logged" = 1 ]; then
	ok "each grant of the drop-in is needed: laurel alone under the unit failed without ReadWritePaths (chown), CAP_FOWNER (chmod), CAP_SETGID, CAP_SETUID, CAP_DAC_READ_SEARCH (capset), and logged the event with all of them"
else
	not_ok "each grant of the drop-in is needed" "${bad[@]}" "with all: exit $status, $logged events logged; said: $said"
fi
echo "1..$n"
