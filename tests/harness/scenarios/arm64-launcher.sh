#!/bin/sh
# The arm64 built-in launcher inside the arm64 L1 (../nested-arm64.sh,
# with NESTED_TINYRD_ARM64): KVM there, then L2 boots of Debian's arm64
# kernel: status 3 with stdout and stderr apart, a panic is 123, -c 2 is
# SMP 2, tinyrd boot, --transport mmio (the console's streams and a disk
# over virtio-mmio), and doctor's --coherence auto in a VM; the launcher
# confined (its seccomp filters as arm64 has the calls). One TAP line
# per check; what went wrong under it as "# " lines, and each L2 run's
# time as a "# " line.
K=/l1/vmlinuz
IMG=/l1/img/default.img
. /l1/lib.sh
if [ -z "${TINYRD-}" ]; then
	echo "1..0 # SKIP no arm64 tinyrd in L1 (NESTED_TINYRD_ARM64)"
	exit 0
fi
rm -f /tmp/o /tmp/e
if [ -c /dev/kvm ] && /l1/bin/kvmarm >/tmp/o 2>&1; then
	ok "/dev/kvm runs a guest (kvmarm: an MMIO exit, PSCI SYSTEM_OFF)"
else
	not_ok "/dev/kvm runs a guest (kvmarm)"
fi

R="$TINYRD run --vmm builtin -k $K -i $IMG --timeout 300"

l2 $R -v -- sh -c 'echo out; uname -m; echo err >&2; exit 3'
if [ "$rc" = 3 ] && [ "$(cat /tmp/o)" = "$(printf 'out\naarch64')" ] &&
	grep -qx err /tmp/e; then
	ok "status 3, stdout and stderr apart (hvc0, hvc1)"
else
	not_ok "status 3 with stdout and stderr apart (status $rc)"
fi
if grep -q "^confine: seccomp per thread.*: vcpu [0-9]*, virtio-console x2 [0-9]*, virtio-rng [0-9]*, supervisor [0-9]*$" /tmp/e &&
	! grep -q "seccomp: thread" /tmp/e; then
	ok "confined on arm64: $(grep '^confine: seccomp' /tmp/e | sed 's/.*allowed): //')"
else
	not_ok "the launcher confined on arm64"
	grep '^confine' /tmp/e | sed 's/^/# /'
fi

l2 $R -- sh -c 'echo c >/proc/sysrq-trigger'
if [ "$rc" = 123 ] && grep -q "Kernel panic - not syncing: sysrq triggered crash" /tmp/e; then
	ok "a panic is 123, named"
else
	not_ok "a panic is 123 (status $rc)"
fi

# Both CPUs up, and all of the output arrives while the other CPU may be
# the one sending it.
l2 $R -c 2 -- sh -c 'seq 1 20000 | cat; echo "cpus $(nproc)"'
if [ "$rc" = 0 ] && grep -qx "cpus 2" /tmp/o && [ "$(sed -n 20000p /tmp/o)" = 20000 ]; then
	ok "-c 2: SMP 2 (nproc), and all of the output arrives"
else
	not_ok "-c 2: SMP 2 (status $rc)"
fi

l2 $TINYRD boot -k $K -i /l1/img/cmd.img --timeout 300
if [ "$rc" = 5 ] && grep -q "^from the image" /tmp/o &&
	grep -q "tinyrd-init: exit status 5" /tmp/o; then
	ok "tinyrd boot runs the image's command: status 5, its output on the console"
else
	not_ok "tinyrd boot (status $rc)"
fi

# virtio-mmio: the device tree's virtio,mmio nodes, bound by virtio_mmio
# (in data.img); no PCI. The disk's bytes come back through virtio-blk.
head -c 1048576 /dev/urandom >/tmp/disk
sum=$(md5sum </tmp/disk)
l2 $TINYRD run --vmm builtin -k $K -i /l1/img/data.img --timeout 300 \
	--transport mmio --disk /tmp/disk,ro -- sh -c '
	for d in /sys/bus/virtio/devices/*; do
		echo "dev $(basename $(readlink -f $d/..))"
	done
	echo "pci $(ls /sys/bus/pci/devices 2>/dev/null | wc -l)"
	echo "disk $(md5sum </dev/vda)"
	echo err >&2
	exit 4'
if [ "$rc" = 4 ] && grep -qx "disk $sum" /tmp/o && grep -qx "pci 0" /tmp/o &&
	grep -q "^dev " /tmp/o && ! grep "^dev " /tmp/o | grep -qv virtio_mmio &&
	grep -qx err /tmp/e && ! grep -q err /tmp/o; then
	ok "--transport mmio: every device on virtio-mmio, the streams apart, a disk read back"
else
	not_ok "--transport mmio (status $rc)"
fi

l2 $TINYRD doctor -k $K
if grep -q "auto: civac: in a VM on arm64" /tmp/o; then
	ok "doctor: --coherence auto picks civac in this VM, and says why"
else
	not_ok "doctor: --coherence auto in a VM (status $rc)"
fi
if grep -q "^seccomp  *ok  *a filter per launcher thread, each loaded here" /tmp/o &&
	grep -q "^no_new_privs  *ok" /tmp/o; then
	ok "doctor: every role's seccomp filter loads on arm64 ($(grep '^Landlock' /tmp/o | sed 's/  */ /g'))"
else
	not_ok "doctor's confinement rows on arm64"
	grep -i "^seccomp\|^landlock\|^no_new" /tmp/o | sed 's/^/# /'
fi

# (L1's busybox has no pgrep: read /proc.)
left=
for c in /proc/[0-9]*/cmdline; do
	case $(tr '\0' ' ' <"$c" 2>/dev/null) in "$TINYRD "*) left="$left ${c%/cmdline}" ;; esac
done
rm -f /tmp/o /tmp/e
if [ -n "$left" ]; then
	not_ok "a launcher was left running:$left"
else
	ok "no launcher left running"
fi
echo "1..$n"
[ "$fails" -eq 0 ]
