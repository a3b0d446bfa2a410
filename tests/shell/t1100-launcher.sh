#!/bin/bash
# The built-in launcher booting Debian's kernel for real, in the nested
# harness (scenario tests/harness/scenarios/launcher.sh): every ending,
# SMP, memory above the hole, PVH, the UART both ways, doctor.
set -u
. "$(dirname "$0")/nested.sh"
nested_scenario launcher.sh 840
