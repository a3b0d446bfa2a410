#!/bin/bash
# The test harness itself: a test that failed is counted failed whatever
# it did next, and a skip must say why (tests/shell/lib.sh, the TAP
# lines; tests/tally.awk, how tests/run counts them); the same for the
# fuzz targets' corpora (tests/fuzz/regress.sh).
. "$(dirname "$0")/lib.sh"

# inner NAME BODY: run a one-test shunit2 file through lib.sh; its output
# in $T/inner.out, tests/tally.awk's count in $T/inner.tally.
inner() {
	cat >"$T/inner.sh" <<-END
	. "$SRC/tests/shell/lib.sh"
	$1() {
	$2
	}
	run_shunit2
	END
	bash "$T/inner.sh" >"$T/inner.out" 2>&1
	awk -f "$SRC/tests/tally.awk" "$T/inner.out" >"$T/inner.tally"
}

# The inner output for a message, indented: its TAP lines must not be
# counted as this file's.
shown() { sed 's/^/  | /' "${1:-$T/inner.out}"; }

test_failed_then_skipped_is_failed() {
	inner test_x 'assertEquals "broken" 1 2; skip "no such thing here"; return'
	grep -q '^not ok 1 - test_x (failed, then skipped: no such thing here)$' \
		"$T/inner.out" || fail "TAP line: $(shown)"
	grep -q '^ok ' "$T/inner.out" && fail "an ok line: $(shown)"
	assertEquals "counted" "0 1 0" "$(tail -n 1 "$T/inner.tally")"
}

test_skip_with_reason() {
	inner test_y 'skip "the frobnicator is not installed"; return'
	assertEquals "ok 1 - test_y # SKIP the frobnicator is not installed" \
		"$(grep '^ok' "$T/inner.out")"
	assertEquals "0 0 1" "$(tail -n 1 "$T/inner.tally")"
}

test_skip_without_reason_fails() {
	inner test_z 'skip ""; return'
	grep -q '^not ok 1 - test_z' "$T/inner.out" || fail "$(shown)"
	assertEquals "0 1 0" "$(tail -n 1 "$T/inner.tally")"
}

test_pass_and_fail() {
	inner test_p 'assertEquals 1 1'
	assertEquals "1 0 0" "$(tail -n 1 "$T/inner.tally")"
	inner test_f 'assertEquals 1 2'
	assertEquals "0 1 0" "$(tail -n 1 "$T/inner.tally")"
}

# cmocka prints "not ok N # SKIP NAME" for a skip: counted as one only
# with the reason that tests/unit/helpers.h's skip_because prints first.
test_tally_cmocka() {
	cat >log <<-'END'
	ok 1 - test_a
	SKIP: no Debian kernel: apt-get download failed
	not ok 2 # SKIP test_b
	not ok 3 # SKIP test_c
	not ok 4 - test_d
	ok 5 - test_e # SKIP
	ok 6 - from a scenario # SKIP L1 has no QEMU
	END
	awk -f "$SRC/tests/tally.awk" log >tally
	assertEquals "1 3 2" "$(tail -n 1 tally)"
	grep -q '^skip not ok 2 # SKIP test_b (no Debian kernel: apt-get download failed)$' tally ||
		fail "$(shown tally)"
	grep -q '^fail not ok 3 # SKIP test_c (a skip must say why)$' tally || fail "$(shown tally)"
	grep -q '^fail ok 5 - test_e # SKIP (a skip must say why)$' tally || fail "$(shown tally)"
}

# A fuzz target over its corpus (tests/fuzz/regress.sh): where clang
# cannot build it, one skip that names what is missing.
test_fuzz_skip_names_the_missing() {
	FUZZ_CC=no-such-cc bash "$SRC/tests/fuzz/regress.sh" "$T/none/fuzz-queue" \
		"$SRC/tests/fuzz/corpus/queue" >out 2>&1
	assertEquals 0 "$?"
	assertEquals "ok 1 - queue # SKIP no-such-cc is not installed (apt-get install clang libclang-rt-dev)" \
		"$(cat out)"
	assertEquals "0 0 1" "$(awk -f "$SRC/tests/tally.awk" out | tail -n 1)"
}

# ... and a corpus file that crashes is "not ok" with the sanitizer's
# summary, never ok, the files after it still run, and a target that
# dies at its exit (a leak) fails too. The target here is a stand-in
# that prints what libFuzzer prints.
test_fuzz_failing_file_counts() {
	mkdir corpus
	printf x >corpus/a
	printf x >corpus/bad
	printf x >corpus/c
	cat >fuzz-fake <<-'END'
	#!/bin/sh
	for f; do
		case $f in -*) continue ;; esac
		echo "Running: $f"
		case $f in */bad) echo "SUMMARY: AddressSanitizer: heap-buffer-overflow x.c:1"; exit 1 ;; esac
		echo "Executed $f in 0 ms"
	done
	[ -n "${FAKE_LEAK-}" ] && { echo "SUMMARY: AddressSanitizer: 7 byte(s) leaked"; exit 1; }
	exit 0
	END
	chmod +x fuzz-fake
	bash "$SRC/tests/fuzz/regress.sh" ./fuzz-fake corpus >out 2>&1
	assertEquals 1 "$?"
	assertEquals "ok 1 - fake/a" "$(sed -n 1p out)"
	assertEquals "not ok 2 - fake/bad: SUMMARY: AddressSanitizer: heap-buffer-overflow x.c:1" \
		"$(sed -n 2p out)"
	grep -qx "ok 3 - fake/c" out || fail "the file after it: $(cat out)"
	assertEquals "2 1 0" "$(awk -f "$SRC/tests/tally.awk" out | tail -n 1)"
	rm corpus/bad
	FAKE_LEAK=1 bash "$SRC/tests/fuzz/regress.sh" ./fuzz-fake corpus >out 2>&1
	assertEquals 1 "$?"
	grep -qx "not ok 3 - fake: at exit: SUMMARY: AddressSanitizer: 7 byte(s) leaked" out ||
		fail "a leak at exit: $(cat out)"
}

run_shunit2
