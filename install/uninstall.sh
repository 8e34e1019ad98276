#!/bin/sh
# make uninstall: removes from $DESTDIR what make install put there, from
# meson's own list of what the build installs (meson introspect
# --installed), and the configuration and the filter file only while each
# is the file installed:
# one an administrator changed is kept, and said so. The directories
# needle made (SYSCONFDIR/needle, LIBEXECDIR/needle, DATADIR/doc/needle
# and its examples) go when empty.
#   usage: uninstall.sh BUILD_DIR   (DESTDIR from the environment)
set -eu
build=$1
dest=${DESTDIR:-}
paths=$(meson introspect "$build" --installed --buildoptions | python3 -c '
import json, os, sys
info = json.load(sys.stdin)
opt = {o["name"]: o["value"] for o in info["buildoptions"]}
for path in sorted(info["installed"].values()):
    print("file", path)
print("conf", os.path.join(opt["prefix"], opt["sysconfdir"], "needle"))
print("libexec", os.path.join(opt["prefix"], opt["libexecdir"], "needle"))
doc = os.path.join(opt["prefix"], opt["datadir"], "doc", "needle")
for d in ("examples/needle.service.d", "examples", ""):
    print("dir", os.path.join(doc, d).rstrip("/"))
')
echo "$paths" | while read -r kind path; do
	case $kind in
	file)
		if [ -e "$dest$path" ] || [ -L "$dest$path" ]; then
			rm -f "$dest$path" && echo "Removing $dest$path"
		fi
		;;
	conf)
		for name in needle.conf needle.filter; do
			conf=$dest$path/$name
			if [ -e "$conf" ]; then
				if cmp -s "$conf" "$build/install/$name"; then
					rm -f "$conf" && echo "Removing $conf"
				else
					echo "needle: $conf differs from the file installed; kept"
				fi
			fi
		done
		rmdir "$dest$path" 2>/dev/null || true
		;;
	libexec | dir)
		rmdir "$dest$path" 2>/dev/null || true
		;;
	esac
done
