#!/bin/bash
# Sourced by the tests that run a nested-harness scenario: the built-in
# launcher runs as an L2 VMM inside an L1 guest under QEMU TCG with a
# nested /dev/kvm (tests/harness/nested.sh), on every host, whatever its
# own KVM. One TAP line per check in L1, passed through; a SKIP with the
# reason when the harness cannot run.
#
#   nested_scenario NAME TIMEOUT
SRC=${TINYRD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}

nested_skip() {
	echo "SKIP: $1"
	echo "ok 1 - nested checks # SKIP $1"
	exit 0
}

# One run, counted as it is: L1's periodic tick keeps it from freezing
# (tests/README.md, "the nested freeze"); should it stop all the same,
# the harness's watchdog ends the run within NESTED_STALL seconds and
# the test fails saying so, instead of trying again.
nested_scenario() {
	local rc

	[ -n "${TINYRD_KERNEL_DIR-}" ] ||
		nested_skip "no Debian kernel: ${TINYRD_KERNEL_WHY-}"
	command -v qemu-system-x86_64 >/dev/null ||
		nested_skip "qemu-system-x86_64 is not installed"
	NESTED_TIMEOUT=${NESTED_TIMEOUT:-$2} "$SRC/tests/harness/nested.sh" "$1"
	rc=$?
	[ "$rc" -eq 77 ] && nested_skip "the nested harness cannot run here"
	[ "$rc" -eq 124 ] &&
		echo "not ok - L1 stopped answering or ran out of time (the nested freeze? tests/README.md)"
	exit "$rc"
}
