#!/bin/bash
# Escapes as guests, in the nested harness (scenario
# tests/harness/scenarios/escape.sh): what the 9P and virtio-fs CVEs did,
# tried against the built-in launcher's 9p, virtio-fs and virtio-blk in
# one L2 boot: symlink and .. races, FIFOs, devices and sockets in the
# share, links out of it, setattr on its root, huge msize and counts,
# descriptor chains at MMIO and past RAM, a ring rewritten under the
# device; each leaves the canaries outside the shares as they were and the
# launcher serving.
set -u
. "$(dirname "$0")/nested.sh"
nested_scenario escape.sh 600
