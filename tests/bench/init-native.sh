#!/bin/bash
# tinyrd-init's own cost at native speed: from the kernel handing over to
# /init until the command starts. Under TCG (run.sh) every kernel path the
# init touches for the first time is translated, which is most of what it
# measures there; this host's /dev/kvm is PVM, which cannot boot a stock
# kernel. So the init runs here as PID 1 of fresh pid, mount, network, UTS
# and IPC namespaces, chrooted into its unpacked image: its mounts, loopback,
# hostname, session and exec are the kernel paths a guest takes, on the
# host's CPU. Side by side, the make-tiny-image style shell /init of run.sh
# over the same image. `stamp` (stamp.c) writes CLOCK_MONOTONIC just before
# /init is exec'ed, and again as the command; the difference is what the
# init adds. RUNS (default 21) of each, interleaved; medians.
#
# Safety: needs root. CAP_SYS_RAWIO is dropped from the bounding set, so
# the init's exit-port write cannot reach the host's ports (stamp refuses
# to start when it can), and its power-off only ends its PID namespace.
set -eu
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-21}
TINYRD=$PWD/tinyrd
export TINYRD_TEMPLATES=$PWD/templates
if [ "$(id -u)" != 0 ]; then
	echo "init-native: needs root (namespaces, chroot, devtmpfs)" >&2
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CC=cc
command -v musl-gcc >/dev/null && CC=musl-gcc
$CC -static -O2 -o "$work/stamp" tests/bench/stamp.c

printf '/stamp /t1' >"$work/cmd"
"$TINYRD" build -q -z none --copy "$work/stamp:/stamp" -o "$work/tinyrd.img" -- /stamp /t1
"$TINYRD" build -q -z none --init tests/bench/shell-init.sh --copy "$work/stamp:/stamp" \
	--copy "$work/cmd:/cmd" -o "$work/shell.img"
for k in tinyrd shell; do
	mkdir "$work/$k"
	(cd "$work/$k" && cpio -id --quiet <"$work/$k.img")
done

# One boot: stamp, exec /init as PID 1; prints the init's time in µs.
boot() {
	local root=$work/$1
	rm -f "$root/t0" "$root/t1"
	timeout 20 setpriv --bounding-set -sys_rawio \
		unshare --fork --pid --mount --net --uts --ipc \
		chroot "$root" /stamp /t0 /init >/dev/null 2>"$work/$1.err" </dev/null || true
	if [ ! -s "$root/t0" ] || [ ! -s "$root/t1" ]; then
		echo "init-native: $1: the command did not start" >&2
		cat "$work/$1.err" >&2
		exit 1
	fi
	echo $((($(cat "$root/t1") - $(cat "$root/t0")) / 1000))
}

: >"$work/tinyrd.us"; : >"$work/shell.us"
boot tinyrd >/dev/null; boot shell >/dev/null	# warm the page cache
for _ in $(seq "$RUNS"); do
	boot tinyrd >>"$work/tinyrd.us"
	boot shell >>"$work/shell.us"
done
median() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f", m / 1000 }'; }
range() { sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3f-%.3f", lo / 1000, hi / 1000 }'; }
ti=$(median <"$work/tinyrd.us")
sh=$(median <"$work/shell.us")
printf 'init hands over -> command starts (native, %s runs, ms)\n' "$RUNS"
printf '  %-28s %8s   (range %s)\n' tinyrd-init "$ti" "$(range <"$work/tinyrd.us")"
printf '  %-28s %8s   (range %s)\n' "shell /init (make-tiny-image)" "$sh" "$(range <"$work/shell.us")"
printf '  %-28s %8.3f\n' "ratio tinyrd / shell" "$(echo "$ti / $sh" | bc -l)"
printf '  target: tinyrd-init < 5 ms: %s\n' \
	"$(echo "$ti < 5" | bc -l | sed 's/1/met/; s/0/NOT met/')"
