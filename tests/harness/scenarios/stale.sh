#!/bin/sh
# The stale-data fault injection in L2 (see ../nested.sh and
# src/vmm/virtio/sync.h): /l1/extra is tinyrd built with TINYRD_TESTING
# (NESTED_EXTRA=build/tinyrd-testing). The injection serves 512 zeros
# for bytes 8292-8803 of the first guest write of 64 KiB or more, the
# sweep's first file (512K, written from offset 0): tinyrd verify must
# fail with CORRUPT at that file's block 8192; with --coherence civac
# the stale line is invalidated before the device reads it, and verify
# passes. Arguments: the file systems (default virtiofs).
K=/l1/vmlinuz
IMG=/l1/img/shares.img
T=/l1/extra
n=0
export XDG_CACHE_HOME=/tmp

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	for f in /tmp/o /tmp/e; do
		[ -f $f ] && tail -n 20 $f | sed "s|^|# ${f#/tmp/}: |"
	done
}

[ -x $T ] || { echo "1..0 # SKIP no /l1/extra (NESTED_EXTRA=build/tinyrd-testing)"; exit 0; }
for fs in ${*:-virtiofs}; do
	# The request's readable header before the data: FUSE's in header
	# and write_in, 9P's Twrite.
	case $fs in 9p) hdr=23 ;; *) hdr=80 ;; esac
	export TINYRD_TEST_STALE="min=$((hdr + 65536)),off=$((hdr + 8192 + 100)),len=512"
	echo "# $(date +%T) $fs: verify with the injection, --coherence none"
	timeout 900 $T verify --vmm builtin -k $K -i $IMG --fs $fs --timeout 800 \
		--coherence none >/tmp/o 2>/tmp/e
	rc=$?
	if [ "$rc" = 1 ] && grep -q "served 512 stale bytes" /tmp/e &&
		grep "CORRUPT" /tmp/o | grep "sweep-524288" | grep -q "8192"; then
		ok "$fs: verify catches the stale read: CORRUPT at offset 8192 of the 512K sweep file"
	else
		not_ok "$fs: verify with the stale read (status $rc)"
	fi
	echo "# $(date +%T) $fs: verify with the injection, --coherence civac"
	timeout 900 $T verify --vmm builtin -k $K -i $IMG --fs $fs --timeout 800 \
		--coherence civac >/tmp/o 2>/tmp/e
	rc=$?
	if [ "$rc" = 0 ] && grep -q "invalidated (civac)" /tmp/e &&
		! grep -q "served" /tmp/e; then
		ok "$fs: with --coherence civac the stale line is invalidated and verify passes"
	else
		not_ok "$fs: verify with civac (status $rc)"
	fi
done
echo "1..$n"
