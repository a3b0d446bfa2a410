#!/bin/sh
# The same inputs give the same bytes: build twice, at different times and
# from different directories, and compare.
#
#   examples/reproducible.sh [PROGRAM...]
set -eu
tinyrd=${TINYRD:-tinyrd}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

export SOURCE_DATE_EPOCH=1700000000
"$tinyrd" build -q -o "$dir/a.img" "$@"
sleep 1
mkdir "$dir/elsewhere"
(cd "$dir/elsewhere" && "$tinyrd" build -q -o ../b.img "$@")
cmp "$dir/a.img" "$dir/b.img"
echo "identical: $(sha256sum <"$dir/a.img" | cut -c1-16)"
