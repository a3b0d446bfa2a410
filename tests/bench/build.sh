#!/bin/bash
# Build speed and size: tinyrd against `find | cpio -o -H newc | gzip` over
# the same staged tree (the tinyrd image unpacked), same compression
# (gzip, tinyrd's default level 1), side by side in one run.
#   (a) the default busybox image
#   (b) busybox + strace + bash + qemu-system-x86_64 (many libraries)
#   (c) 20 modules of Debian's kernel with their dependencies
#   (d) bash strace gdb python3 with their run-time needs (Python's
#       standard library, gdb's data, gconv, terminfo: the runtime table)
# and (e) resolution alone (--print, nothing compressed) of busybox +
# strace bash qemu with the runtime table and without it (--no-runtime,
# resolution as it was before the table): the ratio is the table's cost.
# With TINYRD_BEFORE=path/to/an/older/tinyrd, (f) also compares the
# resolution of the default image and of (b) with that binary's.
# Times are medians of RUNS runs (default 15). Needs root to unpack device
# nodes. Run from the top of the tree after `make`.
set -eu
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-15}
TINYRD=$PWD/tinyrd
export TINYRD_TEMPLATES=$PWD/templates
INIT=$PWD/tests/fixtures/init.sh
K=$(tests/fixtures/kernel.sh) || K=
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s%N; }

# median_ms CMD...: run CMD $RUNS times (after one warm-up), print the
# median wall time in milliseconds.
median_ms() {
	"$@" >/dev/null 2>&1
	for _ in $(seq "$RUNS"); do
		t0=$(now)
		"$@" >/dev/null 2>&1
		t1=$(now)
		echo $(((t1 - t0) / 1000))
	done | sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f\n", m / 1000 }'
}

pipeline() {
	(cd "$1" && find . | cpio -o -H newc --quiet | gzip -1 >"$2")
}

printf '%-32s %10s %10s %7s %11s %11s %7s\n' case "tinyrd ms" "pipe ms" speedup \
	"tinyrd B" "pipe B" "size"
bench() {
	name=$1
	shift
	"$TINYRD" build -q -o "$work/t.img" "$@"
	rm -rf "$work/stage"
	mkdir "$work/stage"
	gzip -dc "$work/t.img" | (cd "$work/stage" && cpio -idm --quiet 2>/dev/null)
	t=$(median_ms "$TINYRD" build -q -o "$work/t.img" "$@")
	p=$(median_ms pipeline "$work/stage" "$work/p.img")
	st=$(stat -c %s "$work/t.img")
	sp=$(stat -c %s "$work/p.img")
	printf '%-32s %10s %10s %6.2fx %11s %11s %6.3f\n' "$name" "$t" "$p" \
		"$(echo "$p / $t" | bc -l)" "$st" "$sp" "$(echo "$st / $sp" | bc -l)"
}

bench "(a) default busybox image" --init "$INIT"
bench "(b) +strace bash qemu" --init "$INIT" strace bash qemu-system-x86_64
if [ -n "$K" ]; then
	kver=$(cat "$K/kver")
	set --
	for m in 9p 9pnet_virtio virtio_blk virtio_net virtio_console virtio_pci \
	    ext4 btrfs xfs fuse overlay loop nvme e1000e vhost_net tun bridge \
	    dm_crypt nfsv4 xhci_pci; do
		set -- "$@" --kmod $m
	done
	bench "(c) 20 modules + deps" --init "$INIT" --moddir "$K" --kver "$kver" "$@"
else
	echo "(c) skipped: no Debian kernel"
fi
if command -v gdb >/dev/null && [ -x /usr/bin/python3 ]; then
	bench "(d) bash strace gdb python3" --init "$INIT" bash strace gdb /usr/bin/python3
else
	echo "(d) skipped: gdb or python3 is not installed"
fi
on=$(median_ms "$TINYRD" build -q --print --init "$INIT" strace bash qemu-system-x86_64)
off=$(median_ms "$TINYRD" build -q --print --no-runtime --init "$INIT" strace bash qemu-system-x86_64)
printf '%-32s %10s %10s %6.2fx  (table on / off; must stay under 2x)\n' \
	"(e) resolution, runtime table" "$on" "$off" "$(echo "$on / $off" | bc -l)"
if [ -n "${TINYRD_BEFORE-}" ]; then
	for set in "" "strace bash qemu-system-x86_64"; do
		# shellcheck disable=SC2086
		now_ms=$(median_ms "$TINYRD" build -q --print --init "$INIT" $set)
		# shellcheck disable=SC2086
		was_ms=$(median_ms "$TINYRD_BEFORE" build -q --print --init "$INIT" $set)
		printf '%-32s %10s %10s %6.2fx  (now / before; must stay under 2x)\n' \
			"(f) resolution ${set:-busybox}" "$now_ms" "$was_ms" \
			"$(echo "$now_ms / $was_ms" | bc -l)"
	done
fi
for other in mkinitramfs dracut make-tiny-image.py; do
	command -v $other >/dev/null || echo "note: $other is not installed; not compared"
done
