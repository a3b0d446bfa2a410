#!/bin/sh
# A `git bisect run` step for a kernel tree: build the kernel, boot it with
# tinyrd, run a test in it. Exits as git bisect run wants: 0 good, 1 bad
# (a failing test, a panic, a hang, a command killed by a signal), 124 bad
# (timed out), 125 skip (the kernel does not build, or tinyrd itself
# failed). Nothing it returns aborts the bisection.
#
#   cd linux
#   git bisect start BAD GOOD
#   git bisect run /path/to/examples/bisect-kernel.sh [tinyrd options] -- TEST...
#
# BUILD    the build command (default: make olddefconfig bzImage modules
#          and modules_install into ./.tinyrd-mods)
# KERNEL   the kernel to boot (default: arch/x86/boot/bzImage)
# TIMEOUT  seconds before a hanging guest counts as bad (default 300)
set -u
jobs=$(nproc 2>/dev/null || echo 2)
build=${BUILD:-"make -j$jobs olddefconfig bzImage modules &&
	make -s modules_install INSTALL_MOD_PATH=$PWD/.tinyrd-mods"}
sh -c "$build" >/dev/null 2>&1 || exit 125
moddir=
[ -d .tinyrd-mods ] && moddir="--moddir $PWD/.tinyrd-mods"
# shellcheck disable=SC2086
exec "${TINYRD:-tinyrd}" run --bisect --timeout "${TIMEOUT:-300}" \
	-k "${KERNEL:-arch/x86/boot/bzImage}" $moddir "$@"
