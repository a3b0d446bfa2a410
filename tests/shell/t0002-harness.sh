#!/bin/bash
# The test harness itself: a test that failed is counted failed whatever
# it did next, and a skip must say why (tests/shell/lib.sh, the TAP
# lines; tests/tally.awk, how tests/run counts them).
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

run_shunit2
