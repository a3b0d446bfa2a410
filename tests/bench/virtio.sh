#!/bin/bash
# The virtio data path beside QEMU's, in one L1 boot of the nested harness
# (this machine's /dev/kvm is PVM): console throughput (the guest writes
# SIZE_MB, default 256, MiB to stdout), virtio-blk sequential read and
# write of a DISK_MB (default 512) MiB image and 4 KiB random-read IOPS,
# against QEMU -M pc with virtio-serial and virtio-blk, the same kernel
# and images; VM exits per MiB of console output (a 4 MiB run less a
# boot of `true`); tinyrd also with --no-confine, for what its confinement
# costs. ROUNDS (default 2) rounds, each starting one further down the
# list; each figure is the mean of its rounds. L1 runs under TCG, so
# absolute figures are slow; the ratios are what count. Targets: at
# least QEMU's throughput on every row (issue 5); confined within 5% of
# --no-confine on every row (issue 20). A line per part shows progress
# (NESTED_TIMEOUT bounds it).
set -eu
cd "$(dirname "$0")/../.."
SIZE_MB=${SIZE_MB:-256}
DISK_MB=${DISK_MB:-512}
ROUNDS=${ROUNDS:-2}
make -s tinyrd
K=$(tests/fixtures/kernel.sh)
dir=$(mktemp -d)
out=$dir/out
trap 'rm -rf "$dir"' EXIT
l2="-k $K/vmlinuz --moddir $K"
cc=$(command -v musl-gcc || echo cc)
$cc -static -O2 -o "$dir/randread" tests/bench/randread.c
mkdir "$dir/extra"
echo "$DISK_MB" >"$dir/extra/disk_mb"
echo "$ROUNDS" >"$dir/extra/rounds"
# The guest times itself: /proc/uptime (kvmclock) around each part.
t='$(cut -d" " -f1 /proc/uptime)'
./tinyrd build -q $l2 -o "$dir/extra/console.img" -- sh -c "
	a=$t; head -c $((SIZE_MB << 20)) /dev/zero; b=$t
	echo \"bench console_s \$(echo \$a \$b | awk '{print \$2 - \$1}')\" >/dev/console
	echo 'bench done' >/dev/console"
./tinyrd build -q $l2 -o "$dir/extra/small.img" -- sh -c "
	head -c 4194304 /dev/zero; echo 'bench done' >/dev/console"
./tinyrd build -q $l2 --copy "$dir/randread:/bin/randread" -o "$dir/extra/blk.img" -- sh -c "
	a=$t; dd if=/dev/vda of=/dev/null bs=1M 2>/dev/null; b=$t
	echo \"bench seqread_s \$(echo \$a \$b | awk '{print \$2 - \$1}')\" >/dev/console
	a=$t; dd if=/dev/zero of=/dev/vda bs=1M count=$DISK_MB conv=fsync 2>/dev/null; b=$t
	echo \"bench seqwrite_s \$(echo \$a \$b | awk '{print \$2 - \$1}')\" >/dev/console
	echo \"bench \$(randread /dev/vda 10)\" >/dev/console
	echo 'bench done' >/dev/console"
NESTED_EXTRA=$dir/extra NESTED_TIMEOUT=${NESTED_TIMEOUT:-3000} \
	tests/harness/nested.sh --qemu "$PWD/tests/bench/virtio-l1.sh" | tee "$out" |
	grep --line-buffered '^#' || true
grep -q '^bench end' "$out" || { echo "the benchmark did not finish" >&2; exit 1; }

awk -v mb="$SIZE_MB" -v disk="$DISK_MB" '
function add(a, v, x) { a[v] += x; a[v, "n"]++ }
$2 == "console_s" { add(con, $1, mb / $3) }
$2 == "seqread_s" { add(rd, $1, disk / $3) }
$2 == "seqwrite_s" { add(wr, $1, disk / $3) }
$2 == "randread" { add(io, $1, $4) }
$2 == "exits" { ex[$1] = $3 / 4 }
END {
	printf "%-28s %10s %10s %10s %8s %8s\n", "", "tinyrd", "no-confine",
		"QEMU", "/QEMU", "/open"
	row("console MB/s (" mb " MiB)", con)
	row("blk seq read MB/s (" disk " MiB)", rd)
	row("blk seq write MB/s (" disk " MiB)", wr)
	row("blk 4 KiB random read IOPS", io)
	printf "%-28s %10.1f %10s %10.1f %7.2fx (lower is better)\n",
		"VM exits per MiB (console)", ex["tinyrd"], "", ex["qemu"],
		ex["tinyrd"] / ex["qemu"]
	printf "target: at least QEMU on every row: %s\n", bad ? "NOT met" : "met"
	printf "target: confined within 5%% of --no-confine on every row: %s\n",
		slow ? "NOT met" : "met"
}
function mean(a, v) { return a[v, "n"] ? a[v] / a[v, "n"] : 0 }
function row(name, a,   t, o, q) {
	t = mean(a, "tinyrd"); o = mean(a, "tinyrd-open"); q = mean(a, "qemu")
	printf "%-28s %10.1f %10.1f %10.1f %7.2fx %7.2fx\n", name, t, o, q, t / q, t / o
	if (t < q) bad = 1
	if (t < 0.95 * o) slow = 1
}' "$out"
