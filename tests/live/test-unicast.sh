#!/usr/bin/env bash
# Live: needle as the unicast audit daemon receives exactly the events a
# narrow rule causes, and leaves the kernel as it found it.
# usage: test-unicast.sh NEEDLE HELPER [LISTENERS DECODERS]
set -u
NEEDLE=$1 helper=$(readlink -f "$2") listeners=${3:-1} decoders=${4:-1}
runs=200
. "$(dirname "$0")/lib.sh"
live_require
live_setup "needle-live-$$"

live_start unicast "listener_threads = $listeners
decoder_threads = $decoders
output = json,raw,enriched
backlog_wait_time = 100
ring_size = 1M" || exit 1
auditctl -a always,exit -F arch=b64 -S openat -F exe="$helper" -F exit=-ENOENT -k "$LIVE_KEY" >/dev/null
for i in $(seq $runs); do "$helper" "/nonexistent/$LIVE_KEY/$i" || { echo "helper failed"; exit 1; }; done
auditctl -D -k "$LIVE_KEY" >/dev/null
live_stop "$started_pid"; status=$?
cat "$LIVE_TOP/unicast/stderr"
[ "$status" = 0 ] || { echo "needle exited with $status"; exit 1; }

log=$LIVE_TOP/unicast/log/needle.log
got=$(grep -c "^type=SYSCALL .*key=\"$LIVE_KEY\"" "$log")
paths=$(grep -c "^type=PATH .*name=\"/nonexistent/$LIVE_KEY/" "$log")
serials=$(live_serials "$log" | wc -l)
echo "SYSCALL records: $got, PATH records: $paths, distinct serials: $serials (expected $runs each)"
[ "$got" = "$runs" ] && [ "$paths" = "$runs" ] && [ "$serials" = "$runs" ] || exit 1
# auditd's ausearch finds them all in the ENRICHED log, by key.
enriched=$(ausearch -if "$LIVE_TOP/unicast/log/needle.enriched.log" -k "$LIVE_KEY" --raw 2>/dev/null |
	grep '^type=SYSCALL' | grep -c "key=\"$LIVE_KEY\"")
echo "ausearch -k $LIVE_KEY in the ENRICHED log: $enriched SYSCALL records"
[ "$enriched" = "$runs" ] || exit 1
# The same events decoded: whole, openat, the helper's path and argv.
python3 "$(dirname "$0")/check_json.py" "$LIVE_TOP/unicast/log/needle.json" "$LIVE_KEY" "$runs" \
	openat "/nonexistent/$LIVE_KEY/" "$helper" || exit 1

if [ "$SETTINGS_BEFORE" != "$(ks_settings)" ]; then
	echo "kernel state changed:"; diff <(echo "$SETTINGS_BEFORE") <(ks_settings); exit 1
fi
echo "kernel state restored"
