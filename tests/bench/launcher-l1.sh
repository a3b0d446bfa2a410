#!/bin/sh
# Runs inside L1 (see launcher.sh beside it): boot to exit of `-- true`,
# the same kernel, image and command line, for tinyrd's launcher (the
# PVH vmlinux extract-vmlinux gave; the bzImage, its vmlinux unpacked on
# the host, here L1, and cached; the bzImage as it is, --no-unpack; the
# vmlinux again with --no-confine, for what confinement costs), QEMU
# -M microvm (PVH vmlinux, qboot) and QEMU -M pc (bzImage, SeaBIOS), all
# on L1's KVM. RUNS interleaved rounds of wall
# time; then per VMM one boot with every VM exit counted (a hist trigger
# on the kvm_exit tracepoint, which outlives the VM, unlike KVM's debugfs
# counters) and one with its memory sampled every 5 ms.
RUNS=${1:-6}
K=/l1/vmlinuz
V=/l1/vmlinux
IMG=/l1/img/true.img
MEM=512
# QEMU's command line: tinyrd boot's own, plus pci=off, as these QEMUs
# have no PCI device to find. tinyrd's launcher has its virtio devices on
# a PCI bus, which the kernel enumerates (the image has no virtio
# modules, so nothing binds them); it adds pci=off only with mmio.
APPEND="console=ttyS0 panic=-1 reboot=t acpi=off pci=off quiet"
QEMU="qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot
	-accel kvm -cpu host -m $MEM -smp 1 -chardev file,id=s0,path=/tmp/console
	-chardev null,id=s1
	-device isa-debug-exit,iobase=0x501,iosize=1 -initrd $IMG"
ALL="tinyrd-pvh tinyrd-unpacked tinyrd-bz tinyrd-open qemu-microvm qemu-pc"
export XDG_CACHE_HOME=/tmp
TR=/sys/kernel/tracing
mount -t tracefs tracefs $TR 2>/dev/null

# boot MEASURE-OPTION NAME: one boot of `true` under /l1/bin/measure. The
# guest's status 0 comes home as 0 from tinyrd, as 1 ((0 << 1) | 1) from
# QEMU's isa-debug-exit.
boot() {
	m="/l1/bin/measure $1 --"
	rm -f /tmp/console
	case $2 in
	tinyrd-pvh) $m $TINYRD boot -q -k $V -i $IMG ;;
	tinyrd-unpacked) $m $TINYRD boot -q -k $K -i $IMG ;;
	tinyrd-bz) $m $TINYRD boot -q --no-unpack -k $K -i $IMG ;;
	tinyrd-open) $m $TINYRD boot -q --no-confine -k $V -i $IMG ;;
	qemu-microvm) $m $QEMU -M microvm -serial chardev:s0 \
		-device isa-serial,chardev=s1,iobase=0x2f8,irq=3 \
		-kernel $V -append "$APPEND" ;;
	qemu-pc) $m $QEMU -M pc -serial chardev:s0 -serial chardev:s1 \
		-kernel $K -append "$APPEND" ;;
	esac 2>/tmp/bench.err | tail -n 1
}
# field NAME LINE: a number from measure's line.
field() { echo "$2" | sed -n "s/.*$1 \([0-9]*\).*/\1/p"; }
# Under L1's nested KVM, -M pc and q35 (not microvm, not tinyrd) fault
# on init's write to the exit port after ioperm(); the guest then panics
# and resets, and QEMU (-no-reboot) exits with 0. Counted, and said.
good() {
	if [ "$1" = qemu-pc ] && [ "$2" = 0 ] && grep -q "Attempted to kill init" /tmp/console; then
		[ -e /tmp/said ] || echo "# qemu-pc: the exit port faulted; the guest ended by panic and reset"
		: >/tmp/said
		return
	fi
	case $1 in tinyrd-*) [ "$2" = 0 ] ;; *) [ "$2" = 1 ] ;; esac ||
		{ echo "# $1 failed with status $2:"; cat /tmp/bench.err /tmp/console 2>/dev/null |
		  tail -n 30 | sed 's/^/#   /'; exit 1; }
}

# The bzImage's vmlinux unpacked into the cache, once; then what the
# runs below boot, and the phases of one boot of each kernel form.
$TINYRD boot -v -k $K -i $IMG >/tmp/unpack.out 2>&1 || { sed 's/^/#   /' /tmp/unpack.out | tail -n 30; exit 1; }
echo "# first boot: $(grep 'plan: the kernel' /tmp/unpack.out)"
for k in "-k $V" "-k $K" "--no-unpack -k $K"; do
	$TINYRD run --vmm builtin -v --json /tmp/phases.json $k -i $IMG -- true >/tmp/unpack.out 2>&1
	echo "# $k: $(grep 'plan: the kernel' /tmp/unpack.out | sed 's/.*plan: //')"
	echo "#   $(grep -o '"ms":.*' /tmp/phases.json)"
done
for v in $ALL; do	# each boots; the page cache is warm
	line=$(boot "" $v)
	good $v "$(field status "$line")"
done
# The rounds' orders form Williams squares: over each n rounds (n VMMs,
# even), every VMM runs once in every place and follows every other VMM
# exactly once. A boot's time depends on what ran before it in this L1
# (memory to clear and compact, QEMU's translation cache); a plain
# rotation fixed each VMM's predecessor, and with it a bias of its own.
williams() {	# ROUND(1-based) VMM...: that round's order
	awk -v r="$1" 'BEGIN {
		n = ARGC - 2
		for (i = 0; i < n; i++)	# 0, 1, n-1, 2, n-2, ...
			s[i] = i == 0 ? 0 : i % 2 ? (i + 1) / 2 : n - i / 2
		for (i = 0; i < n; i++)
			printf "%s ", ARGV[2 + (s[i] + r - 1) % n]
	}' "$@"
}
for i in $(seq "$RUNS"); do
	for v in $(williams "$i" $ALL); do
		line=$(boot "" $v)
		good $v "$(field status "$line")"
		echo "wall $v $(field wall_us "$line")"
	done
done
for v in $ALL; do
	echo 'hist:keys=common_pid' >$TR/events/kvm/kvm_exit/trigger || exit 1
	line=$(boot "" $v)
	good $v "$(field status "$line")"
	echo "exits $v $(sed -n 's/^ *Hits: *//p' $TR/events/kvm/kvm_exit/hist)"
	echo '!hist:keys=common_pid' >$TR/events/kvm/kvm_exit/trigger
	line=$(boot "-r $((MEM * 1024))" $v)
	good $v "$(field status "$line")"
	echo "rss $v $(field rss_kb "$line") $(field rss_median_kb "$line")"
done
