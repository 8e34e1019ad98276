#!/usr/bin/env bash
# Live: two threads of failing openat() under a narrow rule; every event
# arrives whole (SYSCALL, CWD, PATH, PROCTITLE; EOE not written) and the
# kernel's lost counter does not move.
# usage: test-load.sh NEEDLE LOADGEN PER_THREAD [LISTENERS DECODERS]
set -u
needle=$1 loadgen=$(readlink -f "$2") per_thread=$3 listeners=${4:-1} decoders=${5:-0}
key=needle-load-$$

if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP needs root for the kernel's audit socket"; exit 77; fi
. "$(dirname "$0")/kernel-state.sh"
holder=$(auditctl -s | awk '$1=="pid"{print $2}')
if [ "$holder" != 0 ] && kill -0 "$holder" 2>/dev/null; then
	echo "process $holder ($(cat /proc/$holder/comm)) holds the audit socket; stop it to run live tests"
	exit 1
fi

dir=$(mktemp -d)
ks_save
settings_before=$(ks_settings)
needle_pid=
cleanup() {
	[ -n "$needle_pid" ] && kill -TERM "$needle_pid" 2>/dev/null && wait "$needle_pid" 2>/dev/null
	ks_restore "$key"
	rm -rf "$dir"
}
trap cleanup EXIT

printf '%s\n' "log_dir = $dir/log" "listener_threads = $listeners" "decoder_threads = $decoders" \
	"backlog_wait_time = 100" > "$dir/needle.conf"
"$needle" run --foreground -c "$dir/needle.conf" 2> "$dir/stderr" &
needle_pid=$!
for _ in $(seq 50); do grep -q collecting "$dir/stderr" && break; sleep 0.1; done
grep -q collecting "$dir/stderr" || { echo "needle did not start:"; cat "$dir/stderr"; exit 1; }

lost_before=$(auditctl -s | awk '$1=="lost"{print $2}')
auditctl -a always,exit -F arch=b64 -S openat -F exe="$loadgen" -F exit=-ENOENT -k "$key" >/dev/null
"$loadgen" 2 "$per_thread" "/nonexistent/$key" || exit 1
auditctl -D -k "$key" >/dev/null
lost_after=$(auditctl -s | awk '$1=="lost"{print $2}')
kill -TERM "$needle_pid"; wait "$needle_pid"; status=$?; needle_pid=
cat "$dir/stderr"
[ "$status" = 0 ] || { echo "needle exited with $status"; exit 1; }

expected=$((2 * per_thread))
log=$dir/log/needle.log
syscalls=$(grep -c "^type=SYSCALL .*key=\"$key\"" "$log")
# Whole events: every serial of ours has its SYSCALL, CWD, PATH and PROCTITLE.
whole=$(grep -F "/nonexistent/$key" "$log" | grep '^type=PATH' | sed 's/.*audit([0-9.]*:\([0-9]*\)).*/\1/' | sort -u > "$dir/serials"; \
	awk 'NR==FNR{want[$1]=1; next} match($0, /audit\([0-9.]+:[0-9]+\)/) {
		s=substr($0, RSTART, RLENGTH); sub(/.*:/, "", s); sub(/\)/, "", s)
		if (s in want) { split($0, f, " "); seen[s, f[1]]=1 } }
	END { n=0; for (s in want) if (seen[s,"type=SYSCALL"] && seen[s,"type=CWD"] && seen[s,"type=PATH"] && seen[s,"type=PROCTITLE"]) n++; print n }' \
	"$dir/serials" "$log")
echo "events expected $expected, SYSCALL records $syscalls, whole events $whole, kernel lost $lost_before -> $lost_after"
[ "$syscalls" = "$expected" ] && [ "$whole" = "$expected" ] && [ "$lost_before" = "$lost_after" ] || exit 1
[ "$(ks_settings)" = "$settings_before" ] || { echo "kernel state changed"; exit 1; }
echo "kernel state restored"
