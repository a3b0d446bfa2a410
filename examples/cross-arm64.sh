#!/bin/sh
# Resolve an arm64 program against a cross sysroot (Debian's
# libc6-arm64-cross installs one in /usr/aarch64-linux-gnu): the loader and
# libraries come from the sysroot, nothing is run.
#
#   examples/cross-arm64.sh [SYSROOT] [PROGRAM]
set -eu
sysroot=${1:-/usr/aarch64-linux-gnu}
program=${2:-/lib/libresolv.so.2}
tinyrd=${TINYRD:-tinyrd}

"$tinyrd" build --bare -v --print --sysroot "$sysroot" "$program"
