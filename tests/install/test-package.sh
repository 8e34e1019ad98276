#!/usr/bin/env bash
# The Debian package, built, checked, installed on this machine and purged
# (TAP; root; suite package). Run it under the kernel lock like the live
# tests: one case registers a needle as the kernel's audit daemon.
#   usage: test-package.sh SOURCE_ROOT BUILD_DIR
#
#   make deb; lintian with no error; the .deb's control (conffile, version,
#   dependencies) and its files; apt-get install of the .deb: the files in
#   place, the unit enabled, nothing started, the kernel untouched; the
#   postinst's start decision with systemd faked in a private mount
#   namespace (auditd active, another audit daemon, a free kernel, an
#   upgrade); dpkg --purge: nothing left of what the install added.
# The machine is left as found even when a case fails: the exit trap stops
# the needle it started, purges the package, puts needle's directories of
# before back and restores the kernel's settings.
set -u
src=$(cd "$1" && pwd) build=$(cd "$2" && pwd)
. "$src/tests/live/lib.sh"

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift
	for l in "$@"; do printf '%s\n' "$l" | head -20 | sed 's/^/# /'; done
}
skip_all() { echo "1..0 # SKIP $1"; exit 0; }

[ "$(id -u)" = 0 ] || skip_all "needs root: installs the package on this machine"
for tool in dpkg-buildpackage dh lintian fakeroot auditctl unshare; do
	command -v "$tool" >/dev/null || { echo "$tool missing (make deps-test installs it)"; exit 1; }
done
if dpkg-query -W -f='${Status}' needle 2>/dev/null | grep -q 'installed'; then
	skip_all "a needle package is installed here; this test installs and purges its own"
fi
holder=$(auditctl -s | awk '$1=="pid"{print $2}')
if [ "$holder" != 0 ] && kill -0 "$holder" 2>/dev/null; then
	echo "process $holder ($(cat /proc/$holder/comm)) holds the audit socket; stop it first"
	exit 1
fi

top=$(mktemp -d)
KS_SAVED=$(auditctl -s)
LIVE_KEY=needle-package-test
SETTINGS_BEFORE=$(ks_settings)
held_pid=
# needle's own directories, which purge removes: set aside for the test
# (another needle may have left them) and put back at the end.
saved_dirs=()
for dir in /var/log/needle /run/needle; do
	if [ -e "$dir" ]; then
		mkdir -p "$top/saved$(dirname "$dir")" && cp -a "$dir" "$top/saved$dir" &&
			saved_dirs+=("$dir") && rm -rf "$dir"
	fi
done

cleanup() {
	[ -n "$held_pid" ] && { kill -TERM "$held_pid" 2>/dev/null; wait "$held_pid" 2>/dev/null; }
	if dpkg-query -W -f='${Status}' needle 2>/dev/null | grep -q 'installed\|config-files'; then
		echo "# cleanup: purging the needle package"
		DEBIAN_FRONTEND=noninteractive dpkg --purge needle >/dev/null 2>&1
	fi
	# What the test or the package made there goes; what was there comes back.
	rm -rf /var/log/needle /run/needle
	for dir in "${saved_dirs[@]}"; do
		cp -a "$top/saved$dir" "$dir"
	done
	ks_restore
	rm -rf "$top"
}
trap cleanup EXIT
trap "exit 1" TERM INT HUP

# What the install may touch, as a list of names: compared before and
# after (dpkg's and apt's own logs and databases change by design).
snapshot() {
	find /etc /lib/systemd /usr/sbin /usr/libexec /usr/share/doc /usr/share/man \
		/var/lib/systemd /var/lib/dpkg/info /var/log /run/needle /run/systemd \
		-xdev 2>/dev/null |
		grep -v -E '^/var/log/(apt|dpkg\.log|journal|alternatives\.log)|^/etc/ld\.so\.cache$' | sort
}
before=$(snapshot)

echo "1..13"

# make deb, into a directory of the test's.
dist=$top/dist
start=$(date +%s)
make -C "$src" deb BUILD="$build" DIST="$dist" DEB_TMP="$top/deb" > "$top/deb.log" 2>&1
status=$?
deb=$(ls "$dist"/needle_*_*.deb 2>/dev/null | head -1)
if [ $status = 0 ] && [ -f "$deb" ]; then
	ok "make deb builds $(basename "$deb") with dpkg-buildpackage ($(($(date +%s) - start)) s)"
else
	not_ok "make deb builds the package" "exit $status" "$(tail -20 "$top/deb.log")"
	exit 1
fi

lint=$(lintian --fail-on error "$dist"/needle_*.changes 2>&1)
status=$?
lint=$(printf '%s\n' "$lint" | grep -v 'running with root privileges')
if [ $status = 0 ] && ! printf '%s\n' "$lint" | grep -q '^E: '; then
	ok "lintian: no error ($(printf '%s\n' "$lint" | grep -c '^W: ') warnings)"
	printf '%s\n' "$lint" | grep '^[WI]: ' | sed 's/^/# /'
else
	not_ok "lintian: no error" "$lint"
fi

info=$(dpkg-deb -I "$deb")
version=$("$build/cli/needle" --version | awk '{print $2}')
conffiles=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles 2>/dev/null)
if [ "$(printf '%s\n' "$conffiles" | sort)" = "$(printf '/etc/needle/needle.conf\n/etc/needle/needle.filter')" ] &&
	[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] &&
	dpkg-deb -f "$deb" Depends | grep -q 'libaudit1' &&
	printf '%s\n' "$info" | grep -q ' postinst ' && printf '%s\n' "$info" | grep -q ' postrm '; then
	ok "dpkg-deb -I: conffiles /etc/needle/needle.conf and needle.filter, version $version, Depends from the libraries, postinst and postrm"
else
	not_ok "dpkg-deb -I: conffile, version, Depends" "conffiles: $conffiles" "$info"
fi

files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./|/|' | sort)
want=$(printf '%s\n' /etc/needle/needle.conf /etc/needle/needle.filter /lib/systemd/system/needle.service \
	/usr/libexec/needle/needle-loadgen /usr/sbin/needle /usr/sbin/needle-bench \
	/usr/share/doc/needle/changelog.gz /usr/share/doc/needle/copyright \
	/usr/share/doc/needle/examples/needle.service.d/laurel.conf \
	/usr/share/man/man5/needle.conf.5.gz /usr/share/man/man8/needle-bench.8.gz \
	/usr/share/man/man8/needle.8.gz | sort)
if [ "$files" = "$want" ]; then
	ok "dpkg-deb -c: the programs, man pages, configuration, unit, Debian's doc files and the example drop-in, nothing else"
else
	not_ok "dpkg-deb -c: the expected files" "$(diff <(echo "$want") <(echo "$files") | grep '^[<>]')"
fi

# apt-get install of the file, as on a fresh machine.
out=$(cd "$dist" && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	"./$(basename "$deb")" 2>&1)
status=$?
if [ $status = 0 ] && dpkg-query -W -f='${Status}' needle | grep -q 'install ok installed'; then
	ok "apt-get install ./$(basename "$deb"): installed"
else
	not_ok "apt-get install of the .deb" "exit $status" "$out"
	exit 1
fi
printf '%s\n' "$out" | grep -i 'needle:' | sed 's/^/# postinst: /'

if cmp -s /etc/needle/needle.conf <(/usr/sbin/needle config --defaults) &&
	/usr/sbin/needle config -c /etc/needle/needle.conf >/dev/null &&
	dpkg-query -W -f='${Conffiles}' needle | grep -q '^ /etc/needle/needle.conf ' &&
	[ -f /lib/systemd/system/needle.service ] && man -w needle.conf >/dev/null 2>&1; then
	ok "installed: /etc/needle/needle.conf is needle config --defaults, needle accepts it, dpkg lists it as a conffile; unit and man pages in place"
else
	not_ok "installed files" "$(dpkg-query -W -f='${Conffiles}' needle)" "$(ls -l /etc/needle /lib/systemd/system/needle.service 2>&1)"
fi

exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/needle.service)
if [ "$(readlink /etc/systemd/system/multi-user.target.wants/needle.service)" = /lib/systemd/system/needle.service ] &&
	[ "${exec_start%% *}" = /usr/sbin/needle ] && printf '%s\n' "$exec_start" | grep -q -- '-c /etc/needle/needle.conf'; then
	ok "the unit is enabled (multi-user.target.wants) and runs /usr/sbin/needle with /etc/needle/needle.conf"
else
	not_ok "the unit is enabled and runs the installed needle" "$(ls -l /etc/systemd/system/multi-user.target.wants/ 2>&1)" "ExecStart=$exec_start"
fi

# Nothing started: PID 1 is not systemd here, and the postinst starts
# nothing without it (no process of the installed needle, the kernel's
# registration and settings as before).
running=$(for p in /proc/[0-9]*; do [ "$(readlink "$p/exe" 2>/dev/null)" = /usr/sbin/needle ] && echo "${p#/proc/}"; done)
if [ -z "$running" ] && [ "$(ks_settings)" = "$SETTINGS_BEFORE" ]; then
	ok "the install started nothing (no /usr/sbin/needle process; the kernel's audit settings and pid unchanged)"
else
	not_ok "the install started nothing" "running: $running" "$(ks_settings)"
fi

# The postinst's decision, with systemd faked: a private mount namespace
# whose /run has /run/systemd/system, and systemctl and deb-systemd-invoke
# that log their calls. AUDITD / NEEDLE say whether the fake systemctl
# calls those units active.
fake=$top/fake
mkdir -p "$fake"
cat > "$fake/systemctl" <<'EOF'
#!/bin/sh
echo "systemctl $*" >> "$FAKE_LOG"
case "$*" in
*"is-active"*auditd.service) [ "$AUDITD" = active ] ;;
*"is-active"*needle.service) [ "$NEEDLE" = active ] ;;
*) exit 0 ;;
esac
EOF
printf '#!/bin/sh\necho "deb-systemd-invoke $*" >> "$FAKE_LOG"\n' > "$fake/deb-systemd-invoke"
printf '#!/bin/sh\necho "deb-systemd-helper $*" >> "$FAKE_LOG"\n' > "$fake/deb-systemd-helper"
chmod +x "$fake"/*
postinst() { # AUDITD NEEDLE ARGS...: the postinst's output; its calls in $top/calls
	local auditd=$1 needle=$2; shift 2
	: > "$top/calls"
	FAKE_LOG=$top/calls AUDITD=$auditd NEEDLE=$needle PATH="$fake:$PATH" \
		unshare -m sh -c 'mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system &&
			exec /var/lib/dpkg/info/needle.postinst "$@"' sh "$@" 2>&1
}
started() { grep -q "deb-systemd-invoke \(start\|restart\) needle.service" "$top/calls"; }

out=$(postinst active inactive configure "")
if ! started && printf '%s\n' "$out" | grep -q 'enabled but not started: auditd.service is active'; then
	ok "postinst (systemd faked): auditd.service active, needle not started, and it says so"
else
	not_ok "postinst with auditd active" "$out" "$(cat "$top/calls")"
fi

if [ "$(auditctl -s | awk '$1=="pid"{print $2}')" = 0 ]; then
	out=$(postinst inactive inactive configure "")
	if started; then
		ok "postinst (systemd faked): no auditd, no audit daemon in the kernel: deb-systemd-invoke start needle.service"
	else
		not_ok "postinst with a free kernel starts needle" "$out" "$(cat "$top/calls")"
	fi
else
	ok "postinst with a free kernel # SKIP the kernel has an audit daemon"
fi

# Another audit daemon registered: a needle of the package's that changes
# no kernel setting and loads no rule, only registers.
mkdir -p "$top/held"
printf '%s\n' "log_dir = $top/held/log" "enabled = keep" "backlog_limit = keep" \
	"backlog_wait_time = keep" "rate_limit = keep" "failure = keep" "default_rules = no" \
	"metrics_listen =" "control_socket =" "plugin_dir =" > "$top/held/needle.conf"
/usr/sbin/needle run --foreground -c "$top/held/needle.conf" 2> "$top/held/stderr" &
held_pid=$!
for _ in $(seq 50); do grep -q collecting "$top/held/stderr" && break; sleep 0.1; done
out=$(postinst inactive inactive configure "")
if ! started && printf '%s\n' "$out" | grep -q "process $held_pid (needle) is the kernel's audit daemon"; then
	ok "postinst (systemd faked): another audit daemon registered (pid $held_pid), needle not started, and it says so"
else
	not_ok "postinst with another audit daemon" "$out" "$(cat "$top/calls")" "$(cat "$top/held/stderr")"
fi
kill -TERM "$held_pid"; wait "$held_pid"; held_pid=

out1=$(postinst inactive active configure 0.0.9); restarted=$(started && echo yes)
out2=$(postinst inactive inactive configure 0.0.9); started2=$(started && echo yes)
if [ "$restarted" = yes ] && [ -z "$started2" ]; then
	ok "postinst (systemd faked), upgrade: a running needle is restarted, a stopped one left stopped"
else
	not_ok "postinst on upgrade" "running: $out1" "stopped: $out2" "$(cat "$top/calls")"
fi

# Purge: what the install added is gone, and so is what needle writes at
# run time (a log and a recovery note made here stand for them).
mkdir -p /var/log/needle /run/needle
echo '{}' > /var/log/needle/needle.json && echo 'pid 1' > /run/needle/kernel-state
out=$(DEBIAN_FRONTEND=noninteractive dpkg --purge needle 2>&1)
status=$?
after=$(snapshot)
if [ $status = 0 ] && [ "$after" = "$before" ] && ! dpkg-query -W needle >/dev/null 2>&1; then
	ok "dpkg --purge needle: exit 0, and every name it added is gone (/etc, /lib/systemd, /usr, /var/lib, /var/log, /run compared with before)"
else
	not_ok "dpkg --purge leaves nothing" "exit $status: $out" "$(diff <(echo "$before") <(echo "$after") | grep '^[<>]')"
fi
[ $failed = 0 ]
