#!/bin/bash
# The arm64 nested harness: tinyrd's arm64 launcher needs an arm64 KVM,
# and this machine has none. So it runs as an L2 VMM inside an arm64 L1
# guest that QEMU runs under TCG with EL2 (-M virt,virtualization=on,
# gic-version=3 -cpu max,pauth-impdef=on): Debian's arm64 kernel has KVM
# built in, so /dev/kvm appears in L1 with no module. What nested.sh is
# for x86, on arm64; the two share nested-lib.sh.
#
#   tests/harness/nested-arm64.sh SCENARIO [ARG...]
#
# SCENARIO names a script in tests/harness/scenarios/ (arm64-*.sh), or is
# a path. L1 is an image of `tinyrd build --arch arm64 --sysroot` (the
# arm64 root tree of tests/fixtures/sysroot.sh: busybox, bash, and the
# libraries an arm64 tinyrd links) with Debian's arm64 kernel
# (tests/fixtures/kernel.sh arm64), booted with `tinyrd run --arch arm64
# --vmm qemu --accel tcg -m 3072 -c 2` (two CPUs: L2's SMP needs them).
# In L1, /l1/ holds vmlinuz (the same kernel, L2's), img/default.img
# and img/cmd.img (its command exits 5; both arm64 images for that kernel,
# with its virtio modules, built here), bin/kvmarm (kvmarm.c, static:
# a VM through an MMIO exit and PSCI SYSTEM_OFF) and scenario. With
# NESTED_TINYRD_ARM64=PATH, an arm64 build of tinyrd goes in too, as
# /l1/tinyrd with its libraries from the sysroot, and $TINYRD names it;
# $KVER is the kernel's release. It prints what the scenario prints (TAP
# lines); the status is the scenario's, 77 when the harness cannot run
# (no arm64 kernel, sysroot or cross compiler).
#
# Environment: TINYRD (the host's tinyrd, default ./tinyrd),
# NESTED_TINYRD_ARM64 (above), NESTED_TIMEOUT (seconds for the whole L1
# run, default 1500), NESTED_VERBOSE=1 (L1's console on stderr),
# NESTED_EXTRA=DIR (copied to /l1/extra), NESTED_APPEND (more of L1's
# kernel command line), NESTED_STALL (the watchdog, nested-lib.sh),
# NESTED_PACKAGES (more arm64 packages for the sysroot, sysroot.sh --add)
# and NESTED_PROGRAMS (programs from it put in L1 with their libraries,
# e.g. qemu-system-aarch64 from qemu-system-arm).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/nested-lib.sh"
scenario=${1:?usage: nested-arm64.sh SCENARIO [ARG...]}
shift
scenario=$(nested_scenario_path "$scenario") || exit 125
tinyrd=${TINYRD:-$top/tinyrd}
inner=${NESTED_TINYRD_ARM64-}
if [ -n "$inner" ]; then
	[ -x "$inner" ] || { echo "nested-arm64.sh: $inner: not an executable" >&2; exit 125; }
	case $(LC_ALL=C aarch64-linux-gnu-readelf -h "$inner" 2>/dev/null) in
	*AArch64*) ;;
	*) echo "nested-arm64.sh: $inner: not an aarch64 ELF program" >&2; exit 125 ;;
	esac
fi
command -v aarch64-linux-gnu-gcc >/dev/null ||
	{ echo "# SKIP aarch64-linux-gnu-gcc is not installed"; exit 77; }
command -v qemu-system-aarch64 >/dev/null ||
	{ echo "# SKIP qemu-system-aarch64 is not installed"; exit 77; }
K=$("$top/tests/fixtures/kernel.sh" arm64) || { echo "# SKIP no Debian arm64 kernel: $K"; exit 77; }
S=$("$top/tests/fixtures/sysroot.sh" --add ${NESTED_PACKAGES-}) || { echo "# SKIP no arm64 sysroot: $S"; exit 77; }
kver=$(cat "$K/kver")
work=$(mktemp -d "${TMPDIR:-/tmp}/tinyrd-nested-arm64.XXXXXX")
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache TINYRD_TEMPLATES=$top/templates

mkdir -p "$work/img" "$work/bin"
aarch64-linux-gnu-gcc -static -Os -o "$work/bin/kvmarm" "$here/kvmarm.c" || exit 125
l2="--arch arm64 --sysroot $S -k $K/vmlinuz --moddir $K"
"$tinyrd" build -q $l2 -o "$work/img/default.img" || exit 125
"$tinyrd" build -q $l2 -o "$work/img/cmd.img" -- sh -c 'echo from the image; exit 5' || exit 125
# The data path's: the share file systems, virtio-blk, and virtio_mmio
# (which binds the device tree's virtio-mmio nodes of --transport mmio).
"$tinyrd" build -q $l2 --kmod 9p --kmod 9pnet_virtio --kmod virtiofs \
	--kmod virtio_blk --kmod virtio_mmio -o "$work/img/data.img" || exit 125

# Under TCG tinyrd gives an arm64 guest EL2 (virtualization=on, with a
# GICv3 for KVM's vGIC) and QEMU's own pointer authentication
# (pauth-impdef=on: L1 boots in about 3 s instead of 8-13 s): see
# src/common/target.c.
tinyrd_l1=()
if [ -n "$inner" ]; then
	# Programs named to build --sysroot are looked up in the sysroot, and
	# this one lives outside it: it goes in as a copy, and the libraries
	# it names (DT_NEEDED) as the sysroot's, which brings theirs and the
	# loader.
	tinyrd_l1=(--copy "$inner:/l1/tinyrd" -e TINYRD=/l1/tinyrd)
	for l in $(LC_ALL=C aarch64-linux-gnu-readelf -d "$inner" |
		sed -n 's/.*Shared library: \[\(.*\)\]$/\1/p'); do
		[ -e "$S/usr/lib/aarch64-linux-gnu/$l" ] || {
			echo "nested-arm64.sh: $inner needs $l, which the sysroot $S lacks" >&2
			exit 125
		}
		tinyrd_l1+=("/usr/lib/aarch64-linux-gnu/$l")
	done
fi
v=-q
[ "${NESTED_VERBOSE-}" = 1 ] && v=-v
timeout "${NESTED_TIMEOUT:-1500}" "$tinyrd" run $v \
	--arch arm64 --sysroot "$S" --vmm qemu --accel tcg -m 3072 -c 2 \
	${NESTED_APPEND:+--append "$NESTED_APPEND"} \
	-k "$K/vmlinuz" --moddir "$K" bash ${NESTED_PROGRAMS-} "${tinyrd_l1[@]}" \
	--copy "$K/vmlinuz:/l1/vmlinuz" --copy "$work/img:/l1/img" \
	--copy "$work/bin:/l1/bin" --copy "$scenario:/l1/scenario" \
	--copy "$here/scenarios/arm64-lib.sh:/l1/lib.sh" \
	-e "KVER=$kver" ${NESTED_EXTRA:+--copy "$NESTED_EXTRA:/l1/extra"} \
	-- sh /l1/scenario "$@" <&0 &
nested_wait $!
exit $?
