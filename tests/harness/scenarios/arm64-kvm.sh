#!/bin/sh
# KVM in the arm64 L1 (../nested-arm64.sh): /dev/kvm is there and runs a
# guest (kvmarm.c: a store to MMIO and PSCI SYSTEM_OFF), and the arm64
# tinyrd, when the harness was given one, runs in L1. One TAP line per
# check; what went wrong under it as "# " lines.
n=0
fails=0

# check NAME COMMAND...: COMMAND succeeds.
check() {
	name=$1
	shift
	n=$((n + 1))
	if "$@" >/tmp/out 2>&1; then
		echo "ok $n - $name"
		sed 's/^/# /' /tmp/out
	else
		echo "not ok $n - $name (status $?)"
		sed 's/^/# /' /tmp/out | tail -n 40
		fails=$((fails + 1))
	fi
}

echo "# L1: $(uname -m) $(uname -r), $(nproc) CPUs, up $(cut -d' ' -f1 /proc/uptime) s"
check "/dev/kvm is a character device" test -c /dev/kvm
check "KVM runs a guest: an MMIO exit and PSCI SYSTEM_OFF" /l1/bin/kvmarm
check "the same with a 36-bit IPA space" /l1/bin/kvmarm 36
if [ -n "${TINYRD-}" ]; then
	check "the arm64 tinyrd runs in L1" "$TINYRD" --version
else
	n=$((n + 1))
	echo "ok $n - the arm64 tinyrd runs in L1 # SKIP no NESTED_TINYRD_ARM64 given"
fi
echo "1..$n"
[ "$fails" -eq 0 ]
