#!/bin/sh
# Resolve an arm64 program against a cross sysroot (Debian's
# libc6-arm64-cross installs one in /usr/aarch64-linux-gnu): the loader and
# libraries come from the sysroot, nothing is run. --arch arm64 makes the
# image an arm64 one: every ELF file is checked against it, and /init is
# the arm64 tinyrd-init.
#
#   examples/cross-arm64.sh [SYSROOT] [PROGRAM]
set -eu
sysroot=${1:-/usr/aarch64-linux-gnu}
program=${2:-/lib/libresolv.so.2}
tinyrd=${TINYRD:-tinyrd}

"$tinyrd" build --arch arm64 --bare -v --print --sysroot "$sysroot" "$program"
