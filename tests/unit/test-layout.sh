#!/usr/bin/env bash
# The tree's size rules (issue 12) for the folders named: no source file
# over 800 lines, and no folder with more than a third of the source lines
# (.c and .h outside tests/ and build directories).
# usage: test-layout.sh SOURCE_ROOT FOLDER...   (TAP, one case per folder)
set -u
root=$1
shift
max_file=800

# Every .c and .h of the tree but tests/, .git and meson build directories
# (a build directory holds meson-private/).
sources() {
	find "$root" \( -name tests -o -name .git \
		-o -type d -exec test -e '{}/meson-private' ';' \) -prune \
		-o -type f \( -name '*.c' -o -name '*.h' \) -print
}
total=$(sources | xargs cat | wc -l)

echo "TAP version 13"
echo "1..$#"
n=0 bad=0
for folder in "$@"; do
	n=$((n + 1))
	lines=0 files=0 problems=""
	while IFS= read -r f; do
		l=$(wc -l < "$f")
		files=$((files + 1))
		lines=$((lines + l))
		if [ "$l" -gt "$max_file" ]; then
			problems+="${f#"$root"/} has $l lines (at most $max_file); "
		fi
	done < <(sources | grep "^$root/$folder/" | sort)
	if [ "$files" = 0 ] || [ "$total" = 0 ]; then
		problems+="no .c or .h file in $root/$folder; "
	elif [ $((lines * 3)) -gt "$total" ]; then
		problems+="$folder/ holds $lines of $total source lines (at most a third); "
	fi
	if [ -z "$problems" ]; then
		echo "ok $n - $folder/: $files files, largest at most $max_file lines, $lines of $total source lines"
	else
		echo "not ok $n - $folder/: ${problems%; }"
		bad=$((bad + 1))
	fi
done
[ "$bad" = 0 ]
