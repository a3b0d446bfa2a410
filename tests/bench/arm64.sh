#!/bin/bash
# The arm64 launcher in one L1 boot of the arm64 nested harness
# (tests/harness/nested-arm64.sh; this machine has no arm64 KVM):
#  - per coherence mode (MODES, default none dsb civac
#    civac,order-platform), the built-in launcher's virtio-blk, O_DIRECT
#    sequential write and read of a SIZE_MB (default 128) MiB disk with
#    dd bs=1M, and its virtio-fs (dax=off: Debian's arm64 kernel has no
#    FUSE_DAX, so every byte crosses the rings), write (conv=fsync) and
#    read (caches dropped) of a SIZE_MB MiB file on an L1 tmpfs; each as
#    a ratio to `none`;
#  - boot to exit of `true` for the built-in launcher (--coherence auto,
#    which picks civac in a VM, and none) against QEMU's virt machine
#    (tinyrd run --vmm qemu --accel kvm: -M virt,gic-version=max -accel
#    kvm -cpu host) with the same kernel, image and command line; as a
#    ratio to QEMU.
# RUNS (default 5) interleaved rounds of the I/O, BOOTS (default 5) of
# the boots; medians. L1 is an arm64 guest of QEMU's TCG, L2 runs on
# L1's KVM whose EL2 TCG emulates: absolute figures mean nothing, and
# cache maintenance (DC CIVAC) and barriers (DSB SY) cost TCG only their
# instructions, never a cache's misses; what is left is each mode's
# extra work per request. A line per part shows progress.
set -eu
cd "$(dirname "$0")/../.."
SIZE_MB=${SIZE_MB:-128}
RUNS=${RUNS:-5}
BOOTS=${BOOTS:-5}
MODES=${MODES:-none dsb civac civac,order-platform}
start=$SECONDS
make -s tinyrd
make -s CROSS_COMPILE=aarch64-linux-gnu- O=build/arm64
K=$(tests/fixtures/kernel.sh arm64)
S=$(tests/fixtures/sysroot.sh --add qemu-system-arm)
dir=$(mktemp -d)
out=$dir/out
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/extra" "$dir/bench"
echo "$SIZE_MB" >"$dir/extra/size_mb"
# The guest times itself: /proc/uptime around each part.
cat >"$dir/bench/lib.sh" <<'EOF'
t() { cut -d' ' -f1 /proc/uptime; }
el() { echo "$1 $2" | awk '{ print $2 - $1 }'; }
EOF
cat >"$dir/bench/blk.sh" <<EOF
. /bench/lib.sh
a=\$(t); dd if=/dev/zero of=/dev/vda bs=1M count=$SIZE_MB oflag=direct conv=fsync 2>/dev/null; b=\$(t)
echo "bench write_s \$(el \$a \$b)"
a=\$(t); dd if=/dev/vda of=/dev/null bs=1M iflag=direct 2>/dev/null; b=\$(t)
echo "bench read_s \$(el \$a \$b)"
EOF
cat >"$dir/bench/fs.sh" <<EOF
. /bench/lib.sh
cd /mnt/b || exit 9
a=\$(t); dd if=/dev/zero of=big bs=1M count=$SIZE_MB conv=fsync 2>/dev/null; b=\$(t)
echo "bench write_s \$(el \$a \$b)"
echo 3 >/proc/sys/vm/drop_caches
a=\$(t); dd if=big of=/dev/null bs=1M 2>/dev/null; b=\$(t)
echo "bench read_s \$(el \$a \$b)"
EOF
l2=(--arch arm64 --sysroot "$S" -k "$K/vmlinuz" --moddir "$K")
./tinyrd build -q "${l2[@]}" -o "$dir/extra/true.img" -- true
./tinyrd build -q "${l2[@]}" --copy "$dir/bench:/bench" -o "$dir/extra/blk.img"
./tinyrd build -q "${l2[@]}" --kmod virtiofs --copy "$dir/bench:/bench" \
	-o "$dir/extra/fs.img"
NESTED_TINYRD_ARM64=build/arm64/tinyrd NESTED_PACKAGES=qemu-system-arm \
	NESTED_PROGRAMS=qemu-system-aarch64 NESTED_EXTRA=$dir/extra \
	NESTED_TIMEOUT=${NESTED_TIMEOUT:-3600} nice tests/harness/nested-arm64.sh \
	"$PWD/tests/bench/arm64-l1.sh" "$RUNS" "$BOOTS" "$MODES" | tee "$out" |
	grep --line-buffered '^#' || true
grep -qx 'done' "$out" || { echo "the benchmark did not finish" >&2; exit 1; }

awk -v mb="$SIZE_MB" -v modes="$MODES" -v runs="$RUNS" -v boots="$BOOTS" '
function median(s,    n, i, j, t, a) {
	n = split(s, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
		if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	lo = a[1]; hi = a[n]
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
$2 == "write_s" || $2 == "read_s" { v[$1 " " $2] = v[$1 " " $2] " " $3 }
$1 == "boot" { b[$2] = b[$2] " " $3 }
$1 == "fail" { fail[$2]++; nf++ }
END {
	nm = split(modes, m, " ")
	nc = split("blk write_s|blk read_s|fs write_s|fs read_s", col, "|")
	split("blk write|blk read|virtio-fs write|virtio-fs read", title, "|")
	printf "MB/s, the median of %d runs of %d MiB; its ratio to none; the runs\n", runs, mb
	printf "spread around it, (slowest - fastest) / 2 / median:\n"
	printf "%-21s", "coherence"
	for (c = 1; c <= nc; c++) printf " %20s", title[c]
	printf "\n"
	for (c = 1; c <= nc; c++) {
		split(col[c], kn, " ")
		base[c] = mb / median(v[kn[1] "@none " kn[2]])
	}
	for (i = 1; i <= nm; i++) {
		printf "%-21s", m[i]
		for (c = 1; c <= nc; c++) {
			split(col[c], kn, " ")
			s = v[kn[1] "@" m[i] " " kn[2]]
			if (s == "") { printf " %20s", "-"; continue }
			t = median(s)
			printf " %6.1f %5.2fx %4.0f%%", mb / t, mb / t / base[c],
				(hi - lo) / 2 / t * 100
		}
		printf "\n"
	}
	printf "\nboot to exit of `true`, the median of %d runs, and its ratio to QEMU:\n", boots
	split("tinyrd tinyrd-none qemu", vm, " ")
	split("tinyrd --coherence auto|tinyrd --coherence none|QEMU -M virt -accel kvm", vn, "|")
	q = median(b["qemu"])
	for (i = 1; i <= 3; i++)
		printf "%-27s %6.2f s %5.2fx   (s:%s)\n", vn[i], median(b[vm[i]]),
			median(b[vm[i]]) / q, b[vm[i]]
	if (nf) {
		printf "\nruns that failed (left out; their console in the # lines above):"
		for (f in fail) printf " %s (%d)", f, fail[f]
		printf "\n"
	}
}' "$out"
cat <<'EOF'

Under TCG (L1 is QEMU's TCG, L2 runs on KVM under TCG's emulated EL2),
absolute figures are meaningless; the ratios between modes show each
mode's extra instructions per request (the DC CIVAC loops over rings and
buffers, the DSB SYs), not what caches and a real NV2 host would charge
for them: TCG keeps no cache, so a DC CIVAC costs it an instruction, not
a write-back and a miss, and a DSB waits for nothing. On NV2 hardware the
modes would cost more, and differently (DC CIVAC over every buffer
scales with the bytes moved). The boot ratio is a ratio of VMMs running
the same guest under the same TCG, closer to what hardware would show,
but TCG's cost of each exit is not a real CPU's. A ratio that differs
from 1 by less than the spreads is no measured difference.
EOF
echo "the benchmark took $((SECONDS - start)) s"
