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
# expect NAME STATUS PATTERN COMMAND...: COMMAND exits with STATUS and
# its output (stdout and stderr) contains PATTERN.
expect() {
	name=$1 want=$2 pattern=$3
	shift 3
	n=$((n + 1))
	t0=$(cut -d' ' -f1 /proc/uptime)
	timeout 400 "$@" >/tmp/out 2>&1
	got=$?
	t1=$(cut -d' ' -f1 /proc/uptime)
	if [ "$got" = "$want" ] && grep -q -- "$pattern" /tmp/out; then
		echo "ok $n - $name ($(echo "$t1 $t0" | awk '{ printf "%.1f", $1 - $2 }') s)"
	else
		echo "not ok $n - $name (status $got, wanted $want and '$pattern')"
		sed 's/^/# /' /tmp/out | tail -n 40
		fails=$((fails + 1))
	fi
}

if [ -n "${TINYRD-}" ]; then
	check "the arm64 tinyrd runs in L1" "$TINYRD" --version
	expect "the built-in launcher boots L2: status 5 and its output" 5 "^from the image" \
		"$TINYRD" run --vmm builtin -k /l1/vmlinuz -i /l1/img/cmd.img --timeout 300
else
	for c in "the arm64 tinyrd runs in L1" "the built-in launcher boots L2"; do
		n=$((n + 1))
		echo "ok $n - $c # SKIP no NESTED_TINYRD_ARM64 given"
	done
fi
echo "1..$n"
[ "$fails" -eq 0 ]
