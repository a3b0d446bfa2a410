#!/bin/bash
# The host checks of t1050 (doctor, the launcher's endings on a terminal,
# watchdogs, console input, huge pages, a vCPU's forbidden call) where
# KVM works: in the nested harness's L1 (scenario
# tests/harness/scenarios/host.sh), on every machine, so that a host
# without a usable /dev/kvm loses none of them. tinyrd-testing (made
# here) goes along for the forbidden call.
set -u
. "$(dirname "$0")/nested.sh"
B=${TINYRD_BUILD:-$SRC/build}
make -s -C "$SRC" O="$B" "$B/tinyrd-testing" >&2 ||
	{ echo "not ok 1 - make $B/tinyrd-testing"; exit 1; }
export NESTED_EXTRA=$B/tinyrd-testing
nested_scenario host.sh 600
