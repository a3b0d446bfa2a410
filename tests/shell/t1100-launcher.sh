#!/bin/bash
# The built-in launcher booting Debian's kernel for real: this machine's
# /dev/kvm is PVM, so the checks run as an L2 VMM inside an L1 guest under
# QEMU TCG with a nested /dev/kvm (tests/harness/nested.sh, scenario
# tests/harness/scenarios/launcher.sh). One TAP line per check in L1,
# passed through; a SKIP with the reason when the harness cannot run.
set -u
SRC=${TINYRD_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}

skip_all() {
	echo "SKIP: $1"
	echo "ok 1 - nested launcher checks # SKIP $1"
	exit 0
}

[ -n "${TINYRD_KERNEL_DIR-}" ] || skip_all "no Debian kernel: ${TINYRD_KERNEL_WHY-}"
command -v qemu-system-x86_64 >/dev/null || skip_all "qemu-system-x86_64 is not installed"

NESTED_TIMEOUT=${NESTED_TIMEOUT:-840} "$SRC/tests/harness/nested.sh" launcher.sh
rc=$?
[ "$rc" -eq 77 ] && skip_all "the nested harness cannot run here"
exit "$rc"
