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
# By default tinyrd builds the tree itself (run -k . --build: the .config
# with tinyrd's fragment, the image, the modules staged in its cache; the
# build's log there too), and a tree that does not build is a skip.
# BUILD    a build command of one's own instead, its output logged to
#          BUILD_LOG (default .tinyrd-build.log), its last lines shown
#          when it fails
# KERNEL   with BUILD: the kernel to boot (default: arch/x86/boot/bzImage);
#          modules installed into ./.tinyrd-mods are used
# TIMEOUT  seconds before a hanging guest counts as bad (default 300)
set -u
tinyrd=${TINYRD:-tinyrd}
if [ -z "${BUILD-}" ]; then
	exec "$tinyrd" run --bisect --timeout "${TIMEOUT:-300}" -k . --build "$@"
fi
log=${BUILD_LOG:-.tinyrd-build.log}
if ! sh -c "$BUILD" >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	echo "tinyrd: bisect skip (the build failed; its log: $log)" >&2
	exit 125
fi
moddir=
[ -d .tinyrd-mods ] && moddir="--moddir $PWD/.tinyrd-mods"
# shellcheck disable=SC2086
exec "$tinyrd" run --bisect --timeout "${TIMEOUT:-300}" \
	-k "${KERNEL:-arch/x86/boot/bzImage}" $moddir "$@"
