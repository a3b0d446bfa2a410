#!/bin/bash
# The nested test harness: tinyrd's launcher needs a KVM that boots stock
# kernels, and this machine's /dev/kvm is PVM, which does not. So the
# launcher runs as an L2 VMM inside an L1 guest that QEMU runs under TCG
# with -cpu max: L1 loads kvm-amd (or kvm-intel) from Debian's kernel and
# has a working /dev/kvm.
#
#   tests/harness/nested.sh SCENARIO [ARG...]
#
# builds the L1 image with `tinyrd build`: busybox, the KVM modules of the
# Debian kernel (tests/fixtures/kernel.sh), tinyrd itself with its
# libraries, the guest kernel (/l1/vmlinuz and, extracted from it, the ELF
# vmlinux /l1/vmlinux for PVH), the L2 images built here beforehand
# (/l1/img/*.img; L1 needs no modules tree) and the scenario (/l1/scenario,
# a shell script from tests/harness/scenarios/). It boots L1 with
# `tinyrd run --vmm qemu --accel tcg -m 3072 -c 2` and prints what the
# scenario prints (TAP lines); the status is the scenario's. Many checks
# run in one L1 boot: an L1 boot takes ~15 s, each L2 boot 20-40 s.
#
# Environment: TINYRD (the tinyrd to test, default ./tinyrd),
# NESTED_TIMEOUT (seconds for the whole L1 run, default 1500),
# NESTED_VERBOSE=1 (L1's console on stderr).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
scenario=$1
shift
tinyrd=${TINYRD:-$top/tinyrd}
# The tinyrd that runs inside L1 is the plain build: ASan's shadow memory
# does not fit a small guest, and L1 is not where it is tested.
inner=$top/tinyrd
K=$("$top/tests/fixtures/kernel.sh") || { echo "# SKIP no Debian kernel: $K"; exit 77; }
kver=$(cat "$K/kver")
work=$(mktemp -d "${TMPDIR:-/tmp}/tinyrd-nested.XXXXXX")
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache TINYRD_TEMPLATES=$top/templates

mkdir -p "$work/img"
"$tinyrd" build -q -o "$work/img/default.img" || exit 125
"$tinyrd" build -q --moddir "$K" --kver "$kver" --kmod loop -o "$work/img/loop.img" || exit 125
[ -f "$K/vmlinux" ] || "$top/tests/fixtures/extract-vmlinux.sh" "$K/vmlinuz" >"$K/vmlinux.tmp" &&
	mv "$K/vmlinux.tmp" "$K/vmlinux" 2>/dev/null
modules="--kmod kvm_amd"
grep -q GenuineIntel /proc/cpuinfo && modules="--kmod kvm_intel"

v=-q
[ "${NESTED_VERBOSE-}" = 1 ] && v=-v
timeout "${NESTED_TIMEOUT:-1500}" "$tinyrd" run $v --vmm qemu --accel tcg -m 3072 -c 2 \
	-k "$K/vmlinuz" --moddir "$K" $modules "$inner" \
	--copy "$K/vmlinuz:/l1/vmlinuz" --copy "$K/vmlinux:/l1/vmlinux" \
	--copy "$work/img:/l1/img" --copy "$here/scenarios/$scenario:/l1/scenario" \
	-e "TINYRD=$inner" -e "KVER=$kver" \
	-- sh /l1/scenario "$@"
