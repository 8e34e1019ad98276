# Shared by the live tests (sourced). They touch the kernel's audit state,
# so they follow DESIGN.md's safety rules: save the state first, put it back
# on exit whatever happens, add only narrow rules under a key of their own,
# keep backlog_wait_time short, fail clearly if another daemon holds the
# socket.
#
#   live_require [tap]      root (else skip), auditctl, a free socket
#   live_setup KEY          temporary dir $LIVE_TOP, saved state, exit trap
#                           (which also removes the files named in LIVE_FILES)
#   live_start NAME CONF    needle --foreground with CONF lines (and no plugins
#                           unless CONF names a plugin_dir); $started_pid
#   live_stop PID           SIGTERM and wait; $? is needle's status
#   live_settle             until the decoders are idle (the test's metrics, m)
#   live_wait_collecting STDERR [PID]
#                           until needle's STDERR says it collects (0), PID
#                           ended or 5 s passed (1)
#   ks_settings             the settings a test may change, as auditctl -s prints
#   live_key_events KEY FILE [argv]
#                           the ids of the events of a JSON log whose SYSCALL
#                           record has key KEY (and their argv), sorted

ks_field() { printf '%s\n' "$1" | awk -v k="$2" '$1==k{print $2}'; }

ks_settings() {
	auditctl -s | awk '$1=="enabled"||$1=="failure"||$1=="pid"||$1=="rate_limit"||$1=="backlog_limit"||$1=="backlog_wait_time"'
}

# A test that is not root skips. TAP tests (live_require tap) say so with a
# plan of no case, "1..0 # SKIP why", and exit 0: under meson's TAP
# protocol exit 77 is an error, not a skip. Plain tests exit 77, which is
# meson's skip for the exit-code protocol. Either way meson reports SKIP and
# tests/run-all.sh counts it skipped, never passed.
live_skip() {
	if [ "${1:-}" = tap ]; then echo "1..0 # SKIP $2"; exit 0; fi
	echo "SKIP: $2"; exit 77
}

live_require() {
	if [ "$(id -u)" != 0 ]; then live_skip "${1:-}" "needs root for the kernel's audit socket"; fi
	command -v auditctl >/dev/null || { echo "auditctl missing (Debian package auditd)"; exit 1; }
	local holder
	holder=$(auditctl -s | awk '$1=="pid"{print $2}')
	if [ "$holder" != 0 ] && kill -0 "$holder" 2>/dev/null; then
		echo "process $holder ($(cat /proc/$holder/comm)) holds the audit socket; stop it to run live tests"
		exit 1
	fi
}

ks_restore() {
	local en f
	# Our rules go first, so nothing more is generated for them.
	auditctl -D -k "$LIVE_KEY" >/dev/null 2>&1
	auditctl -D -k needle-default >/dev/null 2>&1
	en=$(ks_field "$KS_SAVED" enabled)
	[ "$en" = 2 ] || auditctl -e "$en" >/dev/null
	auditctl -b "$(ks_field "$KS_SAVED" backlog_limit)" \
		--backlog_wait_time "$(ks_field "$KS_SAVED" backlog_wait_time)" \
		-r "$(ks_field "$KS_SAVED" rate_limit)" >/dev/null
	f=$(ks_field "$KS_SAVED" failure)
	[ "$f" = 2 ] || auditctl -f "$f" >/dev/null
}

live_wait_collecting() {
	for _ in $(seq 50); do
		grep -q "^needle: collecting" "$1" && return 0
		[ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null && return 1
		sleep 0.1
	done
	return 1
}

live_cleanup() {
	local p
	for p in "${LIVE_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${LIVE_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	# Files a test put outside its temp dir (a rules.d file of its own).
	for p in "${LIVE_FILES[@]}"; do rm -f "$p"; done
	ks_restore
	# The recovery note of a needle this test killed is ours to remove.
	for p in "${LIVE_PIDS[@]}"; do
		grep -qx "pid $p" /run/needle/kernel-state 2>/dev/null && rm -f /run/needle/kernel-state
	done
	[ -n "${LIVE_KEEP:-}" ] && { echo "kept $LIVE_TOP"; return; }
	rm -rf "$LIVE_TOP"
}

live_setup() {
	LIVE_KEY=$1
	LIVE_TOP=$(mktemp -d)
	LIVE_PIDS=()
	LIVE_FILES=()
	KS_SAVED=$(auditctl -s)
	SETTINGS_BEFORE=$(ks_settings)
	trap live_cleanup EXIT
}

live_start() {
	local name=$1 conf=$2
	mkdir -p "$LIVE_TOP/$name"
	# Not this machine's auditd plugins (/etc/audit/plugins.d), unless the
	# test names a plugin_dir of its own.
	case "$conf" in *plugin_dir*) ;; *) conf="plugin_dir =
$conf" ;; esac
	printf '%s\n' "log_dir = $LIVE_TOP/$name/log" "$conf" > "$LIVE_TOP/$name/needle.conf"
	"$NEEDLE" run --foreground -c "$LIVE_TOP/$name/needle.conf" 2> "$LIVE_TOP/$name/stderr" &
	started_pid=$!
	LIVE_PIDS+=("$started_pid")
	live_wait_collecting "$LIVE_TOP/$name/stderr" "$started_pid" && return 0
	echo "needle $name did not start:"; cat "$LIVE_TOP/$name/stderr"
	return 1
}

live_stop() { kill -TERM "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

# Until the decoders have nothing open and their figures stop moving (40 s
# at most; 1 then). Uses the test's own functions: metrics (the page's
# samples, one a line) and m KEY (a sample's value from $samples); leaves
# the last page in $samples.
live_settle() {
	local prev= cur
	for _ in $(seq 80); do
		sleep 0.5
		samples=$(metrics)
		cur=$(m 'needle_decoder_records_total{}')/$(m 'needle_decoder_open_events{}')
		[ "$cur" = "$prev" ] && [ "$(m 'needle_decoder_open_events{}')" = 0 ] && return 0
		prev=$cur
	done
	return 1
}

# (A CONFIG_CHANGE naming the key is not such an event.)
live_key_events() {
	[ -e "$2" ] || return 0
	/usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[2]):
    e = json.loads(line)
    sc = e.get("records", {}).get("SYSCALL")
    if isinstance(sc, dict) and sc.get("key") == sys.argv[1]:
        print(e["id"], json.dumps(e.get("how", {}).get("argv")) if sys.argv[3:] else "")' "$@" |
		sed 's/ $//' | sort -u
}

# Serials of the SYSCALL records carrying the test's key in a log.
live_serials() { grep "^type=SYSCALL .*key=\"$LIVE_KEY\"" "$1" | sed 's/.*audit([0-9.]*:\([0-9]*\)).*/\1/' | sort -u; }

# auditd_conf DIR FORMAT: Debian's /etc/audit/auditd.conf as shipped, but its
# log in DIR/audit.log, FORMAT (RAW or ENRICHED), no plugins (DIR/plugins is
# empty), and no disk-space action that could suspend it or act on this machine.
auditd_conf() {
	mkdir -p "$1/plugins"
	cat > "$1/auditd.conf" <<EOF
local_events = yes
write_logs = yes
log_file = $1/audit.log
log_group = root
log_format = $2
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 0
num_logs = 5
priority_boost = 4
name_format = NONE
max_log_file_action = IGNORE
space_left = 2
space_left_action = IGNORE
verify_email = yes
action_mail_acct = root
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = SYSLOG
use_libwrap = yes
tcp_listen_queue = 5
tcp_max_per_addr = 1
tcp_client_max_idle = 0
transport = TCP
krb5_principal = auditd
distribute_network = no
q_depth = 2000
overflow_action = SYSLOG
max_restarts = 10
plugin_dir = $1/plugins
end_of_event_timeout = 2
EOF
	chmod 0640 "$1/auditd.conf"
}

# live_docker_cgroup CID: makes a cgroup named as docker names container
# CID's (v2: a .slice holding docker-CID.scope; v1: pids/.../docker/CID);
# sets cg (the container's) and cg_top (what live_remove_cgroup removes).
live_docker_cgroup() {
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		cg_top=/sys/fs/cgroup/needle-test-$$.slice cg=$cg_top/docker-$1.scope
	else
		cg_top=/sys/fs/cgroup/pids/needle-test-$$ cg=$cg_top/docker/$1
	fi
	mkdir -p "$cg"
}

# Removes it, however the test ends (its processes have exited by then).
live_remove_cgroup() {
	[ -n "${cg_top:-}" ] && [ -d "$cg_top" ] && find "$cg_top" -depth -type d -exec rmdir {} + 2>/dev/null
}

# live_refused_start FILTER_FILE: needle run --foreground with that filter
# file and nothing else of the machine's (its own log_dir under
# $LIVE_TOP/bad, no plugins, control socket or metrics), which must refuse
# it. Sets status, its stderr in $LIVE_TOP/bad/stderr, and before/after:
# the kernel's enabled, pid and rules around the run.
live_refused_start() {
	mkdir -p "$LIVE_TOP/bad"
	printf '%s\n' "log_dir = $LIVE_TOP/bad/log" "plugin_dir =" "control_socket =" "metrics_listen =" \
		"filter_file = $1" > "$LIVE_TOP/bad/needle.conf"
	before=$(auditctl -s | awk '$1=="pid"||$1=="enabled"'; auditctl -l)
	# (timeout: a needle that took the file would collect, not return)
	timeout 20 "$NEEDLE" run --foreground -c "$LIVE_TOP/bad/needle.conf" 2> "$LIVE_TOP/bad/stderr"
	status=$?
	after=$(auditctl -s | awk '$1=="pid"||$1=="enabled"'; auditctl -l)
}
