#!/bin/bash
# The launcher's confinement in the nested harness (scenario
# tests/harness/scenarios/confine.sh): a device that calls outside its
# seccomp filter (tinyrd built with TINYRD_TESTING, which this test
# makes) stops the guest with 125 and one line naming the call, skip
# under --bisect; --no-confine; every role confined with -v's account
# of it; doctor's rows; a device thread that never comes back from a
# host system call (TINYRD_TEST_WEDGE=rng) not keeping --timeout or
# SIGTERM from ending the launcher.
set -u
. "$(dirname "$0")/nested.sh"
B=${TINYRD_BUILD:-$SRC/build}
make -s -C "$SRC" O="$B" "$B/tinyrd-testing" >&2 ||
	{ echo "not ok 1 - make $B/tinyrd-testing"; exit 1; }
export NESTED_EXTRA=$B/tinyrd-testing
nested_scenario confine.sh 900
