#!/bin/bash
# The host checks of t1050 (doctor, the launcher's endings on a terminal,
# watchdogs, console input, huge pages) where KVM works: in the nested
# harness's L1 (scenario tests/harness/scenarios/host.sh), on every
# machine, so that a host without a usable /dev/kvm loses none of them.
set -u
. "$(dirname "$0")/nested.sh"
nested_scenario host.sh 600
