#!/bin/bash
# An arm64 guest on any host: tinyrd run --arch arm64 boots Debian's arm64
# kernel under qemu-system-aarch64 (virt, TCG where the host is not
# arm64) with an image built from an arm64 sysroot, with the statuses,
# streams, shares and verify of the host's arch.
. "$(dirname "$0")/lib.sh"

oneTimeSetUp() {
	K=$("$FIX/kernel.sh" arm64) || { K_WHY=$K; K=; }
	SR=$("$FIX/sysroot.sh") || { SR_WHY=$SR; SR=; }
}

need() {
	[ -n "$K" ] || { skip "no Debian arm64 kernel: $K_WHY"; return 1; }
	[ -n "$SR" ] || { skip "no arm64 sysroot: $SR_WHY"; return 1; }
	command -v qemu-system-aarch64 >/dev/null ||
		{ skip "qemu-system-aarch64 is not installed (qemu-system-arm)"; return 1; }
	export XDG_CACHE_HOME=$T/cache
}

a64() { tinyrd run --sysroot "$SR" -k "$K/vmlinuz" --moddir "$K" --timeout 300 "$@"; }

test_status_and_streams() {
	need || return
	a64 -v --arch arm64 -- sh -c 'echo hi; uname -m; echo oops >&2; exit 3' \
		>"$T/out" 2>"$T/err"
	rc=$?
	assertEquals "$(tail -n 5 "$T/err")" 3 "$rc"
	assertEquals "$(printf 'hi\naarch64')" "$(cat "$T/out")"
	assertContains "$(cat "$T/err")" "oops"
	assertNotContains "$(cat "$T/out")" "oops"
	assertContains "$(cat "$T/err")" "console=ttyAMA0"
	if [ "$(uname -m)" != aarch64 ]; then
		assertContains "$(cat "$T/err")" "plan: QEMU, with TCG: an arm64 guest on an $(uname -m) host"
	fi
}

test_panic_and_kernel_arch() {
	need || return
	# No --arch: the kernel's Image header says arm64.
	run a64 -- sh -c 'echo c >/proc/sysrq-trigger'
	assertEquals "$(tail -n 3 "$T/err")" 123 "$rc"
	assertContains "$(cat "$T/err")" "sysrq triggered crash"
	# The kernel and --arch disagree: one line, before anything boots.
	run a64 --arch x86_64 -- true
	assertEquals 125 "$rc"
	assert_one_error "vmlinuz: an arm64 kernel, but --arch says x86_64"
	if [ "$(uname -m)" != aarch64 ]; then
		run a64 --vmm builtin -- true
		assertEquals 125 "$rc"
		assert_one_error "--vmm builtin: the built-in launcher boots $(uname -m) guests here, not arm64; use --vmm qemu"
	fi
}

# tinyrd boot: the console is the terminal (QEMU's stdio), and its copy
# still brings the status home, where virt has no exit device.
test_boot() {
	need || return
	tinyrd build -q --sysroot "$SR" --arch arm64 --moddir "$K" \
		--kver "$(cat "$K/kver")" -o "$T/a.img" --run 'echo hi; exit 3' ||
		fail "build"
	run tinyrd boot --vmm qemu -k "$K/vmlinuz" -i "$T/a.img" --timeout 300 </dev/null
	assertEquals "$(tail -n 5 "$T/out" "$T/err")" 3 "$rc"
	assertContains "$(cat "$T/out")" "hi"
}

test_share_and_verify() {
	need || return
	mkdir "$T/share"
	head -c 300000 /dev/urandom >"$T/share/in"
	run a64 --share "$T/share" -- sh -c \
		'cd /mnt/share && md5sum in | cut -d" " -f1 && echo written >out'
	assertEquals "$(tail -n 5 "$T/err")" 0 "$rc"
	assertEquals "$(md5sum <"$T/share/in" | cut -d' ' -f1)" "$(cat "$T/out")"
	assertEquals written "$(cat "$T/share/out")"
	run tinyrd verify -k "$K/vmlinuz" --moddir "$K" --quick --timeout 300
	assertEquals "$(cat "$T/out" "$T/err")" 0 "$rc"
	assertContains "$(cat "$T/out")" ", 0 failed"
}

. shunit2
