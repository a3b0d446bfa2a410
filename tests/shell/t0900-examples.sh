#!/bin/bash
# Every script in examples/ runs, so none can rot.
. "$(dirname "$0")/lib.sh"

ex() { TINYRD=$TINYRD sh "$SRC/examples/$1" "${@:2}"; }

test_debug_image() {
	K=${TINYRD_KERNEL_DIR-}
	[ -n "$K" ] || { skip "no Debian kernel: ${TINYRD_KERNEL_WHY-}"; return; }
	command -v strace >/dev/null || { skip "strace is not installed"; return; }
	run ex debug-image.sh "$K/vmlinuz" "$K/lib/modules/$(cat "$K/kver")" d.img
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertContains "$(cat "$T/out")" "virtio_pci"
	assertContains "$(cat "$T/out")" "command: sh -c 'uname -r; strace -c true'"
	[ -s d.img ] || fail "no image"
}

test_cross_arm64() {
	[ -e /usr/aarch64-linux-gnu/lib/libc.so.6 ] || { skip "libc6-arm64-cross is not installed"; return; }
	run ex cross-arm64.sh
	assertEquals 0 "$rc"
	assertContains "$(cat "$T/out")" "file /lib/ld-linux-aarch64.so.1"
}

test_reproducible() {
	run ex reproducible.sh --bare --copy "$INIT":/init
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertContains "$(cat "$T/out")" "identical: "
}

# Every example is exercised above.
test_all_examples_covered() {
	for f in "$SRC"/examples/*; do
		grep -q "ex $(basename "$f")" "$SRC/tests/shell/t0900-examples.sh" ||
			fail "$(basename "$f") is not tested"
	done
}

run_shunit2
