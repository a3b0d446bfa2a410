#!/bin/bash
# The virtio data path of the built-in launcher, in the nested harness
# (scenario tests/harness/scenarios/virtio.sh): stdout and stderr apart
# and byte-exact, a reader that goes away, disks, the hwrng, a guest
# that writes garbage into a device.
set -u
. "$(dirname "$0")/nested.sh"
nested_scenario virtio.sh 840
