#!/bin/bash
# Host shares of the built-in launcher in the nested harness (scenario
# tests/harness/scenarios/shares.sh), for 9p and virtio-fs: tinyrd verify,
# a 64 MiB file, a guest write, a host edit, escapes and the canary
# outside the share, a ro share, host-root mode, a missing directory.
set -u
. "$(dirname "$0")/nested.sh"
nested_scenario shares.sh 900
