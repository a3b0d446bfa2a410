#!/bin/bash
# Make the fuzz targets' seed corpora, tests/fuzz/corpus/TARGET/NAME
# (committed; make check runs every target over its corpus): the binary
# formats from seed.c (the targets' own input formats, built from the
# real structures), recipes from templates/ and one line of every verb,
# and initrds that tinyrd itself builds, in each compression it writes
# and the two it only reads, and segments appended as run appends them.
# Every file comes out the same each time. Files of the same names are
# replaced; the others (crash inputs kept as regressions) stay.
#
#   tests/fuzz/seed.sh          (O= as for make; default build)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
obj=${O:-build}
case $obj in /*) ;; *) obj=$top/$obj ;; esac
out=$top/tests/fuzz/corpus
make -C "$top" -s --no-print-directory O="$obj" "$obj/tests/fuzz/seed" tinyrd
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tinyrd-seed.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$obj/tests/fuzz/seed" "$out"

# recipe: the templates as they are, and every verb once.
mkdir -p "$out/recipe"
for t in "$top"/templates/*.recipe; do
	n=${t##*/}
	cp "$t" "$out/recipe/template-${n%.recipe}"
done
cat >"$out/recipe/verbs" <<'EOF'
# One line of each verb (tinyrd-recipe(5)); the sysroot is fuzz-recipe.c's.
dir /etc 0755 0 0
file /etc/hello /data/hello.txt 0644 0 0 /etc/hello2
nod /dev/console 0600 0 0 c 5 1
slink /bin/sh busybox 0777 0 0
pipe /run/fifo 0644 0 0
sock /run/sock 0644 0 0
text /etc/motd 0644 0 0 hello\x20world\n\ttab\\
bin /bin/sh
copy /data/dir:/copied
busybox
init
env FOO=bar BAZ=a\x20b
kmod virtio_blk
kmod-noload ext4
runtime path /bin/* lib libfoo.so.1
run echo ${HOME} 'quoted'
include base
EOF
printf 'dir /a 0755 0 0\r\ntext /a/b 0644 0 0 x\\0y\r\n\n  # comment\nbad-verb x\n' >"$out/recipe/crlf-errors"

# inspect: images as tinyrd builds them (SOURCE_DATE_EPOCH unset: mtime
# 0), with an init configuration.
mkdir -p "$out/inspect"
cat >"$tmp/r.recipe" <<'EOF'
dir /etc 0755 0 0
text /etc/motd 0644 0 0 hello\n
slink /bin/sh busybox 0777 0 0
nod /dev/console 0600 0 0 c 5 1
pipe /run/fifo 0644 0 0
text /etc/tinyrd/modules 0644 0 0 virtio_blk /lib/modules/virtio_blk.ko\nfoo /foo.ko x=1\n
text /bin/ls 0755 0 0 #!/bin/sh\n
EOF
img() {
	env -u SOURCE_DATE_EPOCH "$top/tinyrd" build -q --bare --no-init \
		-f "$tmp/r.recipe" -e FOO=bar --run 'ls /' "$@"
}
for z in none gzip xz zstd lz4; do
	img -z "$z" -o "$out/inspect/$z"
done
bzip2 -9c "$out/inspect/none" >"$out/inspect/bzip2"
xz --format=lzma -c "$out/inspect/none" >"$out/inspect/lzma"
# An early uncompressed segment, the main one, zero padding, and a
# per-run segment appended, as run makes them.
printf '#!/bin/sh\nexec sh\n' >"$tmp/init"
{ cat "$out/inspect/none" "$out/inspect/gzip"; head -c 512 /dev/zero
  img -z none --init "$tmp/init" -o - ; } >"$out/inspect/segments"
echo "seeds written to $out"
