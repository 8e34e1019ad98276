#!/bin/sh
# Installs the commented configuration ($1) as $DESTDIR$2 unless a file is
# there already: make install and meson install never overwrite a
# configuration an administrator wrote. (meson exports DESTDIR; it shows
# nothing a script prints, so make install says when the file was kept.)
set -eu
src=$1 dst=${DESTDIR:-}$2
if [ -e "$dst" ]; then
	exit 0
fi
mkdir -p "$(dirname "$dst")"
install -m 0644 "$src" "$dst"
