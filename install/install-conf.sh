#!/bin/sh
# Installs the commented configuration ($1) as $DESTDIR$2 unless a file is
# there already: make install and meson install never overwrite a
# configuration an administrator wrote. (meson exports DESTDIR.)
set -eu
src=$1 dst=${DESTDIR:-}$2
if [ -e "$dst" ]; then
	echo "needle: $dst exists; left as it is (needle config --defaults prints the new one)"
	exit 0
fi
mkdir -p "$(dirname "$dst")"
install -m 0644 "$src" "$dst"
echo "Installing $src to $dst"
