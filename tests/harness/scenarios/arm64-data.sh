#!/bin/sh
# The arm64 launcher's data path inside the arm64 L1 (../nested-arm64.sh,
# with NESTED_TINYRD_ARM64), in each --coherence mode (none, dsb, civac):
# tinyrd verify --quick over 9p and over virtio-fs, reading files of 512K,
# 1M, 4M and 16M (fcvm's failing range under NV2) in the transport's
# largest requests, with pread and mmap, and checking the guest's write
# sweep (512K to 2M); and virtio-blk: regions of 512K, 1M, 4M and 16M of a disk of
# random bytes read in the guest against L1's MD5s, then copied by the
# guest with O_DIRECT to other regions, which L1 compares byte for byte.
#
# Then the stale-data injection (src/vmm/virtio/sync.h), with tinyrd
# built with TINYRD_TESTING as /l1/extra (NESTED_EXTRA): 512 bytes of the
# first guest write of 64 KiB or more are served to the device as zeros,
# as a stale cache line would be. In none and dsb the damage must be
# caught and placed (verify: CORRUPT in the 512K sweep file at its block
# 8192; blk: 512 zeroed bytes at offset 8292 of the 512K copy); in civac
# the line is invalidated before the device reads it and all passes.
# QEMU 7.2 has no FEAT_NV2, so L1's KVM is coherent: the modes must not
# break anything, and only the injection shows what civac fixes.
#
# Arguments: the modes (default: none dsb civac). One TAP line per check,
# each L2 run's time as a "# " line.
K=/l1/vmlinuz
IMG=/l1/img/data.img
X=/l1/extra
MODES=${*:-none dsb civac}
. /l1/lib.sh
if [ -z "${TINYRD-}" ]; then
	echo "1..0 # SKIP no arm64 tinyrd in L1 (NESTED_TINYRD_ARM64)"
	exit 0
fi

# The share verify reads, and the disk: random bytes with no zero byte,
# so that a zeroed byte always differs.
S=/tmp/share
mkdir -p $S
for f in 512K:524288 1M:1048576 4M:4194304 16M:16777216; do
	head -c ${f#*:} /dev/urandom >$S/f-${f%:*}
done
head -c 67108864 /dev/urandom | tr '\000' '\001' >/tmp/disk0

# The disk's regions: SIZE:READ:WRITE, the block numbers in units of
# SIZE (dd's skip and seek): 512K at 0, 1M at 1M, 4M at 4M, 16M at 16M
# are read and copied to 32M, 33M, 36M and 48M.
REGIONS="524288:0:64 1048576:1:33 4194304:1:9 16777216:1:3"
# What the guest runs: each region read with O_DIRECT, its MD5 said,
# and the same bytes written with O_DIRECT to their copy.
BLK='for r in '"$REGIONS"'; do
	s=${r%%:*} w=${r##*:} x=${r#*:} x=${x%:*}
	dd if=/dev/vda of=/tmp/r bs=$s skip=$x count=1 iflag=direct 2>/dev/null || exit 9
	echo "read $s $(md5sum </tmp/r)"
	dd if=/tmp/r of=/dev/vda bs=$s seek=$w count=1 oflag=direct conv=notrunc,fsync 2>/dev/null ||
		exit 10
done'

region() { dd if=$1 bs=$2 skip=$3 count=1 2>/dev/null; }

# blk_check: /tmp/disk after the guest's run: "ok", or what differs
# (the first region whose copy differs, with the bytes that do: how many,
# where, and whether the copy has zeros there).
blk_check() {
	for r in $REGIONS; do
		s=${r%%:*} w=${r##*:} x=${r#*:} x=${x%:*}
		want=$(region /tmp/disk $s $x | md5sum)
		grep -qx "read $s $want" /tmp/o || { echo "read of $s: MD5 differs"; return; }
		region /tmp/disk $s $x >/tmp/ra
		region /tmp/disk $s $w >/tmp/wa
		cmp -l /tmp/ra /tmp/wa >/tmp/diff 2>/dev/null
		[ -s /tmp/diff ] || continue
		# cmp -l: a 1-based offset, then both bytes in octal.
		awk -v s=$s '{ if (!first) first = $1; last = $1; if ($3 != 0) nz++ }
			END { printf "%d bytes differ at %d-%d of the %dK copy (%s)\n",
				NR, first - 1, last - 1, s / 1024,
				nz ? "corrupt" : "zeroed" }' /tmp/diff
		return
	done
	echo ok
}

for m in $MODES; do
	for fs in 9p virtiofs; do
		l2 $TINYRD verify --vmm builtin -k $K -i $IMG --share $S --fs $fs \
			--coherence $m --quick --all --timeout 300
		# The table (--all): the 16M file read in the largest
		# requests, the last sweep file checked on this side.
		if [ "$rc" = 0 ] && grep -q "(4 files, quick)" /tmp/e &&
			grep -q "^verify: [0-9]* passed, 0 failed" /tmp/o &&
			grep -q "^ok .*/f-16M  *-  *read:[0-9]*  *16777216 bytes" /tmp/o &&
			grep -q "^ok .*/sweep-2097152  *-  *sweep  *2097152 bytes" /tmp/o; then
			ok "$m: verify over $fs: 512K-16M read, the write sweep ($(grep '^verify:' /tmp/o))"
		else
			grep -v "^ok " /tmp/o >/tmp/o2; mv /tmp/o2 /tmp/o
			not_ok "$m: verify over $fs (status $rc)"
		fi
	done
	cp /tmp/disk0 /tmp/disk
	l2 $TINYRD run --vmm builtin -k $K -i $IMG --disk /tmp/disk --coherence $m \
		--timeout 300 -- sh -c "$BLK"
	v=$(blk_check)
	if [ "$rc" = 0 ] && [ "$v" = ok ]; then
		ok "$m: virtio-blk: 512K-16M read against L1's MD5s, the guest's O_DIRECT copies identical"
	else
		not_ok "$m: virtio-blk (status $rc): $v"
	fi
done

if [ ! -x $X ]; then
	for c in "the stale read caught by verify" "the stale read caught on virtio-blk"; do
		n=$((n + 1))
		echo "ok $n - $c # SKIP no tinyrd built with TINYRD_TESTING in L1 (NESTED_EXTRA)"
	done
	echo "1..$n"
	[ "$fails" -eq 0 ]
	exit
fi
for m in $MODES; do
	# The request's readable header before the data: FUSE's in header
	# and write_in (80 bytes), as in scenarios/stale.sh.
	l2 env TINYRD_TEST_STALE="min=$((80 + 65536)),off=$((80 + 8192 + 100)),len=512" \
		$X verify --vmm builtin -k $K -i $IMG --fs virtiofs --quick \
		--coherence $m --timeout 300
	if [ $m = civac ]; then
		if [ "$rc" = 0 ] && grep -q "invalidated (civac)" /tmp/e &&
			! grep -q "served" /tmp/e; then
			ok "civac: with the stale line injected, verify passes (the line invalidated)"
		else
			not_ok "civac: verify with the stale line injected (status $rc)"
		fi
	elif [ "$rc" = 1 ] && grep -q "served 512 stale bytes" /tmp/e &&
		grep "CORRUPT" /tmp/o | grep "sweep-524288" | grep -q "8192"; then
		ok "$m: verify catches the stale read: CORRUPT at offset 8192 of the 512K sweep file"
		grep "CORRUPT" /tmp/o | sed 's/^/# /'
	else
		not_ok "$m: verify with the stale line injected (status $rc)"
	fi
	# virtio-blk's request header (struct virtio_blk_outhdr) is 16
	# bytes: the copy's bytes 8292-8803 are served as zeros.
	cp /tmp/disk0 /tmp/disk
	l2 env TINYRD_TEST_STALE="min=$((16 + 65536)),off=$((16 + 8192 + 100)),len=512" \
		$X run --vmm builtin -k $K -i $IMG --disk /tmp/disk --coherence $m \
		--timeout 300 -- sh -c "$BLK"
	v=$(blk_check)
	if [ $m = civac ]; then
		if [ "$rc" = 0 ] && [ "$v" = ok ] && grep -q "invalidated (civac)" /tmp/e; then
			ok "civac: with the stale line injected, the blk copies are identical"
		else
			not_ok "civac: virtio-blk with the stale line injected (status $rc): $v"
		fi
	elif [ "$rc" = 0 ] && grep -q "served 512 stale bytes" /tmp/e &&
		[ "$v" = "512 bytes differ at 8292-8803 of the 512K copy (zeroed)" ]; then
		ok "$m: the stale blk write is caught: $v"
	else
		not_ok "$m: virtio-blk with the stale line injected (status $rc): $v"
	fi
done
rm -f /tmp/o /tmp/e
echo "1..$n"
[ "$fails" -eq 0 ]
