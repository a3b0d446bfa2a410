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

need_kernel() {
	K=${TINYRD_KERNEL_DIR-}
	[ -n "$K" ] || { skip "no Debian kernel: ${TINYRD_KERNEL_WHY-}"; return 1; }
	command -v qemu-system-x86_64 >/dev/null || { skip "no QEMU"; return 1; }
	export XDG_CACHE_HOME=$T/cache
}

test_module_probe() {
	need_kernel || return
	run ex module-probe.sh "$K/vmlinuz" "$K" loop
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertContains "$(cat "$T/out")" "loop: loop "
	run ex module-probe.sh "$K/vmlinuz" "$K" no_such_module
	assertEquals 125 "$rc"
}

test_cpu_flags() {
	need_kernel || return
	run ex cpu-flags.sh "$K/vmlinuz"
	assertEquals "$(cat "$T/err")" 0 "$rc"
	assertContains "$(cat "$T/out")" "TCG: "
	grep -qx sse2 tcg.flags || fail "no sse2 under TCG -cpu max"
}

# A bisection where one commit panics the guest: --bisect makes the panic
# "bad", so git finds the first bad commit instead of aborting.
test_bisect_kernel() {
	need_kernel || return
	git init -q repo && cd repo || return
	git config user.email t@t && git config user.name t
	for s in good1 good2 panic bad; do
		echo $s >state
		git add state && git commit -qm "state $s"
	done
	first_bad=$(git rev-parse HEAD~1)
	git bisect start HEAD HEAD~3 >/dev/null
	BUILD=: KERNEL=$K/vmlinuz TINYRD=$TINYRD git bisect run \
		sh "$SRC/examples/bisect-kernel.sh" --copy "$PWD/state:/state" -- sh -c \
		'case $(cat /state) in good*) exit 0;; panic) echo c >/proc/sysrq-trigger;; *) exit 1;; esac' \
		>log 2>&1
	assertEquals "bisect run: $(tail -n 3 log)" 0 $?
	assertContains "$(cat log)" "$first_bad is the first bad commit"
	git bisect reset -q >/dev/null 2>&1
	cd ..
}

# Every example is exercised above.
test_all_examples_covered() {
	for f in "$SRC"/examples/*; do
		grep -q "examples/$(basename "$f")\|ex $(basename "$f")" \
			"$SRC/tests/shell/t0900-examples.sh" ||
			fail "$(basename "$f") is not tested"
	done
}


# README's first set-up command, the main job: it builds tinyrd and an
# image, boots it, prints uname -a from the guest and brings home
# `echo hi; exit 3`.
test_readme_main_job() {
	K=${TINYRD_KERNEL_DIR-}
	[ -n "$K" ] || { skip "no Debian kernel: ${TINYRD_KERNEL_WHY-}"; return; }
	command -v qemu-system-x86_64 >/dev/null ||
		{ skip "qemu-system-x86_64 is not installed"; return; }
	grep -qx 'make demo' "$SRC/README.md" || fail "README has no make demo"
	export XDG_CACHE_HOME=$T/cache
	run timeout 600 make -C "$SRC" --no-print-directory demo
	assertEquals "$(cat "$T/err")" 0 "$rc"
	out=$(cat "$T/out")
	assertContains "$out" "Linux tinyrd $(cat "$K/kver") "
	assertContains "$out" "$(printf 'hi\ntinyrd run exited with status 3')"
}

run_shunit2
