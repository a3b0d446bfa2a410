#!/bin/bash
# Boot to exit, side by side in one run: `tinyrd run -- true` against the
# hand-written QEMU command a make-tiny-image user would type (same kernel,
# same machine, TCG) with a shell /init that mounts and powers off. Also
# the time from the kernel handing over to /init until the command starts
# (kernel timestamps of "Run /init as init process" and a marker the
# command writes to /dev/kmsg), and tinyrd-init's own steps (tinyrd.debug).
# RUNS (default 5) boots of each, interleaved; medians.
set -eu
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-5}
TINYRD=$PWD/tinyrd
export TINYRD_TEMPLATES=$PWD/templates
K=$(tests/fixtures/kernel.sh)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache

qemu_base() {
	qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot \
		-machine pc -accel tcg -cpu max -m 512 -smp 1 \
		-serial "file:$2" -kernel "$K/vmlinuz" -initrd "$1" \
		-append "console=ttyS0 panic=-1 quiet $3"
}
# The shell-init image: the same busybox base, the command in /cmd.
base_img() {
	printf '%s' "$1" >"$work/cmd"
	"$TINYRD" build -q --init tests/bench/shell-init.sh --copy "$work/cmd:/cmd" -o "$2"
}
base_img true "$work/base-true.img"
marker='echo "<4>TINYRD-BENCH-CMD-START" >/dev/kmsg'
base_img "$marker" "$work/base-marker.img"

now() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f", m }'; }
# ms from "Run /init as init process" to the command's marker, one console.
handover() {
	tr -d '\r' <"$1" | sed -n 's/^\[ *\([0-9.]*\)\] \(Run \/init\|TINYRD-BENCH-CMD-START\).*/\1/p' |
		awk 'NR == 1 { a = $1 } NR == 2 { printf "%.3f\n", ($1 - a) * 1000 }'
}

"$TINYRD" run -q --accel tcg -k "$K/vmlinuz" -- true	# warm the cache
: >"$work/t.ms"; : >"$work/b.ms"; : >"$work/t.ho"; : >"$work/b.ho"; : >"$work/init.ms"
for i in $(seq "$RUNS"); do
	t0=$(now); "$TINYRD" run -q --accel tcg -k "$K/vmlinuz" -- true; t1=$(now)
	echo $(((t1 - t0) / 1000)) >>"$work/t.ms"
	t0=$(now); qemu_base "$work/base-true.img" /dev/null ""; t1=$(now)
	echo $(((t1 - t0) / 1000)) >>"$work/b.ms"
	# KERN_INFO shown, for "Run /init"; the same for both.
	"$TINYRD" run -q --accel tcg -k "$K/vmlinuz" --append "loglevel=7" \
		--console-log "$work/t.con" -- sh -c "$marker"
	handover "$work/t.con" >>"$work/t.ho"
	qemu_base "$work/base-marker.img" "$work/b.con" "loglevel=7"
	handover "$work/b.con" >>"$work/b.ho"
	"$TINYRD" run -q --accel tcg -k "$K/vmlinuz" --append tinyrd.debug \
		--console-log "$work/d.con" -- true
	tr -d '\r' <"$work/d.con" | sed -n 's/^tinyrd-init: +\([0-9.]*\) ms exec .*/\1/p' >>"$work/init.ms"
done
tt=$(awk '{ print $1 / 1000 }' "$work/t.ms" | median)
bt=$(awk '{ print $1 / 1000 }' "$work/b.ms" | median)
th=$(median <"$work/t.ho")
bh=$(median <"$work/b.ho")
im=$(median <"$work/init.ms")
printf 'boot to exit (TCG, %s runs, median ms)\n' "$RUNS"
printf '  tinyrd run -- true            %10s\n' "$tt"
printf '  qemu + shell /init            %10s\n' "$bt"
printf '  ratio tinyrd / shell          %10.3f\n' "$(echo "$tt / $bt" | bc -l)"
printf 'kernel hands over -> command starts (guest ms, median)\n'
printf '  tinyrd-init                   %10s\n' "$th"
printf '  shell /init                   %10s\n' "$bh"
printf '  ratio                         %10.3f\n' "$(echo "$th / $bh" | bc -l)"
printf 'tinyrd-init, main() to exec (tinyrd.debug, guest ms, median) %s\n' "$im"
