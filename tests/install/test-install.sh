#!/usr/bin/env bash
# make install and make uninstall into a DESTDIR (TAP; any user).
#   usage: test-install.sh SOURCE_ROOT BUILD_DIR
# Installs with the prefix and sysconfdir the build was set up with (so
# make does not set it up again under the other tests), then checks:
# exactly the files the issue lists, each where the other files expect it
# (the unit's ExecStart, the configuration); the installed configuration is
# needle config --defaults and needle accepts it, its filter_file the filter
# file installed beside it (install/needle.filter, which needle decode
# --filter takes); a configuration already there is left alone; make
# uninstall removes every file, and keeps a configuration the administrator
# changed.
set -u
src=$1 build=$(cd "$2" && pwd)
top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name" "failed: $*"; fi; }

read -r prefix sysconfdir < <(meson introspect "$build" --buildoptions | python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(o["prefix"], o["sysconfdir"])')
confdir=$(python3 -c 'import os, sys; print(os.path.join(*sys.argv[1:]))' "$prefix" "$sysconfdir" needle)
# The files, as the issue lists them: programs, man pages, configuration, unit;
# and the example drop-in for laurel (needle(8), PLUGINS).
expected=$(printf '%s\n' "$prefix/sbin/needle" "$prefix/sbin/needle-bench" \
	"$prefix/libexec/needle/needle-loadgen" \
	"$prefix/share/man/man8/needle.8" "$prefix/share/man/man8/needle-bench.8" \
	"$prefix/share/man/man5/needle.conf.5" "$prefix/lib/systemd/system/needle.service" \
	"$prefix/share/doc/needle/examples/needle.service.d/laurel.conf" \
	"$confdir/needle.conf" "$confdir/needle.filter" | sort)

mk() { make -s -C "$src" BUILD="$build" PREFIX="$prefix" SYSCONFDIR="$sysconfdir" DESTDIR="$1" "$2"; }
files_in() { (cd "$1" && find . \( -type f -o -type l \) | sed 's/^\.//' | sort); }

echo "1..10"
d=$top/root
mk "$d" install > "$top/install.out" 2>&1
status=$?
got=$(files_in "$d")
if [ $status = 0 ] && [ "$got" = "$expected" ]; then
	ok "make install DESTDIR=... puts exactly the $(echo "$expected" | wc -l) files in place (prefix $prefix)"
else
	not_ok "make install DESTDIR=... puts exactly the listed files in place" "exit $status" \
		"$(diff <(echo "$expected") <(echo "$got") | grep '^[<>]')" "$(tail -5 "$top/install.out")"
fi
if grep -q "setting up" "$top/install.out"; then
	not_ok "make install with the build's own prefix does not set the build up again" \
		"$(grep 'setting up' "$top/install.out")"
else
	ok "make install with the build's own prefix does not set the build up again"
fi

check "the installed needle runs (--version)" sh -c '"$1" --version > /dev/null' sh "$d$prefix/sbin/needle"
check "the installed configuration is needle config --defaults" \
	cmp -s "$d$confdir/needle.conf" <("$build/cli/needle" config --defaults)
out=$("$d$prefix/sbin/needle" config -c "$d$confdir/needle.conf" 2>&1); accepted=$?
# The built-in values, but the keys set as installed: rules = augenrules,
# filter_file = the installed filter file.
set_lines=$(grep -E '^[a-z_]+ = ' "$d$confdir/needle.conf")
want_set=$(printf 'rules = augenrules\nfilter_file = %s\n' "$confdir/needle.filter")
if [ "$accepted" = 0 ] && [ "$set_lines" = "$want_set" ] &&
	[ "$out" = "$("$d$prefix/sbin/needle" config -c <(printf '%s\n' "$set_lines"))" ]; then
	ok "needle accepts the installed configuration: the built-in values, rules = augenrules, filter_file = $confdir/needle.filter"
else
	not_ok "needle accepts the installed configuration" "set: $set_lines" "$out"
fi
# The installed filter file is install/needle.filter, and it parses (needle
# decode --filter reads it as needle run does; an empty log: no event).
if cmp -s "$d$confdir/needle.filter" "$src/install/needle.filter" &&
	dout=$("$d$prefix/sbin/needle" decode --filter "$d$confdir/needle.filter" </dev/null 2>&1); then
	ok "the installed filter file is install/needle.filter, and needle takes it"
else
	not_ok "the installed filter file is install/needle.filter, and needle takes it" "$dout"
fi
unit=$d$prefix/lib/systemd/system/needle.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
bin=${exec_start%% *}
conf=$(echo "$exec_start" | sed -n 's/.* -c \([^ ]*\).*/\1/p')
if [ "$bin" = "$prefix/sbin/needle" ] && [ -x "$d$bin" ] && [ "$conf" = "$confdir/needle.conf" ] &&
	[ -f "$d$conf" ] && grep -qx 'Conflicts=auditd.service' "$unit"; then
	ok "the unit starts the installed needle with the installed configuration, Conflicts=auditd.service"
else
	not_ok "the unit starts the installed needle with the installed configuration" "ExecStart=$exec_start"
fi

# An administrator's configuration survives make install.
d2=$top/mine
mkdir -p "$d2$confdir"
printf 'num_logs = 3\n' > "$d2$confdir/needle.conf"
mk "$d2" install > "$top/install2.out" 2>&1
if [ "$(cat "$d2$confdir/needle.conf")" = "num_logs = 3" ] && grep -q "exists; left as it is" "$top/install2.out"; then
	ok "make install leaves an existing needle.conf as it is, and says so"
else
	not_ok "make install leaves an existing needle.conf as it is" "$(cat "$d2$confdir/needle.conf")"
fi

mk "$d" uninstall > "$top/uninstall.out" 2>&1
status=$?
left=$(files_in "$d")
dirs=$(cd "$d" && find . -type d -name needle)
if [ $status = 0 ] && [ -z "$left" ] && [ -z "$dirs" ]; then
	ok "make uninstall removes every file it installed, and needle's directories"
else
	not_ok "make uninstall removes every file it installed" "exit $status" "left: $left $dirs" \
		"$(tail -5 "$top/uninstall.out")"
fi

# A changed configuration is kept by make uninstall.
mk "$d2" uninstall > "$top/uninstall2.out" 2>&1
left=$(files_in "$d2")
# (the filter file there was left unchanged: removed)
if [ "$left" = "$confdir/needle.conf" ] && grep -q "differs from the file installed; kept" "$top/uninstall2.out"; then
	ok "make uninstall keeps a needle.conf the administrator changed, and says so"
else
	not_ok "make uninstall keeps a changed needle.conf" "left: $left" "$(cat "$top/uninstall2.out")"
fi
[ $failed = 0 ]
