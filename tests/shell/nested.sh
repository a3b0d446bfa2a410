#!/bin/bash
# Sourced by the tests that run a nested-harness scenario: this machine's
# /dev/kvm is PVM, so the built-in launcher runs as an L2 VMM inside an L1
# guest under QEMU TCG with a nested /dev/kvm (tests/harness/nested.sh).
# One TAP line per check in L1, passed through; a SKIP with the reason
# when the harness cannot run.
#
#   nested_scenario NAME TIMEOUT
SRC=${TINYRD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}

nested_skip() {
	echo "SKIP: $1"
	echo "ok 1 - nested checks # SKIP $1"
	exit 0
}

# L1 under QEMU TCG sometimes stops answering altogether while an L2
# runs (tests/README.md, "the nested freeze"): every timeout inside L1
# bounds a check, so only a frozen L1 meets the outer one (124), or the
# harness's watchdog, which stops an L1 that has used no CPU for 90 s,
# in minutes. Such a run is done again, up to four runs in all while
# the test has run under 20 minutes (tests/run allows a file 30), and
# only the last run's lines count. On some days a third of the runs of
# the shares scenario freeze, before as after this stop's changes.
nested_scenario() {
	local rc out start=$SECONDS

	[ -n "${TINYRD_KERNEL_DIR-}" ] ||
		nested_skip "no Debian kernel: ${TINYRD_KERNEL_WHY-}"
	command -v qemu-system-x86_64 >/dev/null ||
		nested_skip "qemu-system-x86_64 is not installed"
	out=$(mktemp "${TMPDIR:-/tmp}/tinyrd-nested-out.XXXXXX")
	for attempt in 1 2 3 4; do
		NESTED_TIMEOUT=${NESTED_TIMEOUT:-$2} "$SRC/tests/harness/nested.sh" "$1" >"$out"
		rc=$?
		[ "$rc" -eq 124 ] && [ "$attempt" -lt 4 ] &&
			[ $((SECONDS - start)) -lt 1200 ] || break
		echo "# L1 stopped answering (the nested freeze) after:"
		sed 's/^/#   /' "$out"
		echo "# once more"
	done
	cat "$out"
	rm -f "$out"
	[ "$rc" -eq 77 ] && nested_skip "the nested harness cannot run here"
	exit "$rc"
}
