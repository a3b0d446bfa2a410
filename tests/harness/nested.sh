#!/bin/bash
# The nested test harness: tinyrd's launcher needs a KVM that boots stock
# kernels, and this machine's /dev/kvm is PVM, which does not. So the
# launcher runs as an L2 VMM inside an L1 guest that QEMU runs under TCG
# with -cpu max: L1 loads kvm-amd from Debian's kernel and has a working
# /dev/kvm.
#
#   tests/harness/nested.sh [--qemu] SCENARIO [ARG...]
#
# SCENARIO names a script in tests/harness/scenarios/, or is a path.
# --qemu also puts QEMU and its firmware in L1 (for the benchmark).
#
# It builds the L1 image with `tinyrd build`: busybox, the KVM modules of
# the Debian kernel (tests/fixtures/kernel.sh; kvm-amd pulls in kvm, ccp,
# irqbypass), tinyrd itself with its libraries, and under
# /l1/: the guest kernel (vmlinuz and, extracted from it, the ELF vmlinux
# for PVH), L2 images built here beforehand for that kernel, with its
# virtio modules (img/default.img, img/cmd.img
# with a command of status 5, img/true.img, img/shares.img with the
# share file systems' modules, img/vqfuzz.img with the
# hostile virtio driver vqfuzz.c as /bin/vqfuzz, img/escape.img with the
# share modules and the escape programs shareesc.c, rawshare.c and
# vqescape.c; L1 needs no modules tree),
# in /l1/bin a pty driver (ptyrun, ptyrun.c), a stopwatch with a memory
# sampler (measure, measure.c), KVM's supported CPUID (kvmcpuid.c) and
# the tiny guests of tests/fixtures; bash, shunit2 and under /l1/src
# tests/shell/t1050-doctor.sh with what it needs (scenarios/host.sh);
# tinyrd (the plain build) and the scenario (/l1/scenario). It boots L1
# with `tinyrd run --vmm qemu --accel tcg -m 3072 -c 1` (QEMU TCG, -cpu
# max; one L1 CPU: with two, L1 livelocked now and then while L2 sat idle,
# in QEMU TCG's nested SVM) and prints what the scenario prints (TAP lines, or figures); the
# status is the scenario's. Many checks run in one L1 boot: L1 boots in
# ~15 s, each L2 boot takes 10-15 s.
#
# Environment: TINYRD (the tinyrd to test, default ./tinyrd),
# NESTED_TIMEOUT (seconds for the whole L1 run, default 1500),
# NESTED_VERBOSE=1 (L1's console on stderr), NESTED_EXTRA=DIR (copied to
# /l1/extra: a benchmark's own images and tools), NESTED_APPEND (more of
# L1's kernel command line, e.g. kvm_amd.PARAM=VALUE), NESTED_PROGRAMS
# (host programs put in L1 with their libraries, e.g. strace for
# scenarios/syscalls.sh), NESTED_ONESHOT=1
# (L1 without the periodic tick below: to measure the nested freeze with
# tests/harness/freeze-rate.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
with_qemu=
if [ "${1-}" = --qemu ]; then
	with_qemu=1
	shift
fi
scenario=${1:?usage: nested.sh [--qemu] SCENARIO [ARG...]}
shift
. "$here/nested-lib.sh"
scenario=$(nested_scenario_path "$scenario") || exit 125
tinyrd=${TINYRD:-$top/tinyrd}
# The tinyrd that runs inside L1 is the plain build: ASan's shadow memory
# does not fit a small guest, and L1 is not where it is tested.
# It goes in as a program (for its libraries) and as /l1/tinyrd: the
# checkout may live under /tmp, which L1's init covers with a tmpfs.
inner=$top/tinyrd
K=$("$top/tests/fixtures/kernel.sh") || { echo "# SKIP no Debian kernel: $K"; exit 77; }
kver=$(cat "$K/kver")
work=$(mktemp -d "${TMPDIR:-/tmp}/tinyrd-nested.XXXXXX")
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache TINYRD_TEMPLATES=$top/templates

mkdir -p "$work/img" "$work/bin"
# For L2's kernel: its virtio_pci and virtio_console modules come along.
l2="-k $K/vmlinuz --moddir $K"
cc=$(command -v musl-gcc || echo cc)
for t in ptyrun measure; do
	$cc -static -Os -o "$work/bin/$t" "$here/$t.c" || exit 125
done
# The hostile guest drivers share the user-space virtio driver vdrv.c.
for t in vqfuzz vqescape rawshare; do
	$cc -static -Os -pthread -o "$work/bin/$t" "$here/$t.c" "$here/vdrv.c" || exit 125
done
# The kernel client's escapes, and the host's side of them in L1.
$cc -static -Os -o "$work/bin/shareesc" "$here/shareesc.c" || exit 125
# (musl's headers have no <linux/kvm.h>: glibc, static.)
cc -static -Os -o "$work/bin/kvmcpuid" "$here/kvmcpuid.c" || exit 125
# The host checks (tests/shell/t1050-doctor.sh) run in L1 too, through
# scenarios/host.sh: the test file and what it needs under /l1/src, its
# tiny guests assembled here (L1 has no compiler) beside the tools.
for g in badguest:badguest.S spin:badguest.S:-DSPIN readguest:readguest.S; do
	IFS=: read -r name src flags <<<"$g"
	cc $flags -c "$top/tests/fixtures/$src" -o "$work/$name.o" &&
		ld -m elf_x86_64 -Ttext=0x1000000 -o "$work/bin/$name" "$work/$name.o" ||
		exit 125
done
mkdir -p "$work/src/tests/shell" "$work/src/tests/fixtures"
cp "$top/tests/shell/lib.sh" "$top/tests/shell/t1050-doctor.sh" "$work/src/tests/shell/" &&
	cp "$top/tests/fixtures/hostshape.sh" "$work/src/tests/fixtures/" || exit 125
# virtio-mmio's binding in Debian's kernel, which lacks the command-line
# devices: a test module registers them (tests/fixtures/mmiodev.c), built
# against the kernel's headers (the package linux-headers-amd64).
mmiodev=
if [ -d "/usr/src/linux-headers-$kver" ]; then
	mkdir "$work/mmiodev" && cp "$top/tests/fixtures/mmiodev.c" "$work/mmiodev/" &&
		echo 'obj-m := mmiodev.o' >"$work/mmiodev/Kbuild" &&
		make -s -C "/usr/src/linux-headers-$kver" M="$work/mmiodev" modules \
			>"$work/mmiodev/log" 2>&1 &&
		mmiodev="--kmod virtio_mmio --copy $work/mmiodev/mmiodev.ko:/lib/mmiodev.ko" ||
		{ cat "$work/mmiodev/log" >&2; exit 125; }
fi
"$tinyrd" build -q $l2 $mmiodev -o "$work/img/default.img" || exit 125
"$tinyrd" build -q $l2 --copy "$work/bin/vqfuzz:/bin/vqfuzz" \
	-o "$work/img/vqfuzz.img" || exit 125
"$tinyrd" build -q $l2 -o "$work/img/cmd.img" -- sh -c 'echo from the image; exit 5' || exit 125
"$tinyrd" build -q $l2 -o "$work/img/true.img" -- true || exit 125
"$tinyrd" build -q $l2 --kmod 9p --kmod 9pnet_virtio --kmod virtiofs \
	--kmod overlay -o "$work/img/shares.img" || exit 125
"$tinyrd" build -q $l2 --kmod 9p --kmod 9pnet_virtio --kmod virtiofs \
	--copy "$work/bin/shareesc:/bin/shareesc" --copy "$work/bin/rawshare:/bin/rawshare" \
	--copy "$work/bin/vqescape:/bin/vqescape" -o "$work/img/escape.img" || exit 125
[ -f "$K/vmlinux" ] || "$top/tests/fixtures/extract-vmlinux.sh" "$K/vmlinuz" >"$K/vmlinux.tmp" &&
	mv "$K/vmlinux.tmp" "$K/vmlinux" 2>/dev/null
# L1's CPU is QEMU's TCG model, whatever the host's: "max" under TCG is
# an AMD CPU with SVM (QEMU emulates SVM, not VMX), on an Intel host too.
modules="--kmod kvm_amd"

extra=()
if [ -n "$with_qemu" ]; then
	# The binary with its libraries, and the firmware -M pc and
	# -M microvm load (SeaBIOS, qboot, the option ROMs for -kernel).
	mkdir -p "$work/qemu"
	for f in qboot.rom bios-microvm.bin linuxboot_dma.bin kvmvapic.bin pvh.bin; do
		cp -P /usr/share/qemu/$f "$work/qemu/" || exit 125
	done
	extra=(qemu-system-x86_64 --copy "$work/qemu:/usr/share/qemu"
	       --copy /usr/share/seabios:/usr/share/seabios)
fi

v=-q
[ "${NESTED_VERBOSE-}" = 1 ] && v=-v
# The watchdog on L1 (nested-lib.sh): a run after NESTED_STALL seconds
# without CPU progress (the nested freeze) ends with 124.
# L1's LAPIC timer ticks periodically (highres=off nohz=off): QEMU's TCG
# (7.2, Debian 12) can lose a vCPU's interrupt request while L1 runs a
# nested guest (an unlocked read-modify-write of interrupt_request on the
# vCPU thread, at SVM's #VMEXIT, against the APIC timer's request from the
# main loop). The APIC keeps the vector in IRR, but the CPU is never told:
# a one-shot timer is then never re-armed and L1 halts for good (the
# nested freeze, tests/README.md). A periodic tick asks again every 4 ms.
l1_append="highres=off nohz=off${NESTED_APPEND:+ $NESTED_APPEND}"
[ "${NESTED_ONESHOT-}" = 1 ] && l1_append=${NESTED_APPEND-}
timeout "${NESTED_TIMEOUT:-1500}" "$tinyrd" run $v --vmm qemu --accel tcg -m 3072 -c 1 \
	${l1_append:+--append "$l1_append"} \
	-k "$K/vmlinuz" --moddir "$K" $modules "$inner" bash ${NESTED_PROGRAMS-} "${extra[@]}" \
	--copy "$(command -v shunit2):/usr/bin/shunit2" \
	--copy "$K/vmlinuz:/l1/vmlinuz" --copy "$K/vmlinux:/l1/vmlinux" \
	--copy "$work/img:/l1/img" --copy "$scenario:/l1/scenario" \
	--copy "$work/bin:/l1/bin" --copy "$work/src:/l1/src" \
	--copy "$inner:/l1/tinyrd" -e "TINYRD=/l1/tinyrd" -e "KVER=$kver" \
	${NESTED_EXTRA:+--copy "$NESTED_EXTRA:/l1/extra"} \
	-- sh /l1/scenario "$@" <&0 &
nested_wait $!
exit $?
