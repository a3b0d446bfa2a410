#!/bin/sh
# Build a debugging image for a kernel: busybox, bash and strace, the
# virtio modules of that kernel, and a command for the init; then show
# what went in.
#
#   examples/debug-image.sh VMLINUZ MODULES-DIR [OUTPUT]
#
# MODULES-DIR is /lib/modules/<release> or a `make modules_install
# INSTALL_MOD_PATH=` directory; the release is read from VMLINUZ.
set -eu
kernel=$1
moddir=$2
out=${3:-debug.img}
tinyrd=${TINYRD:-tinyrd}

"$tinyrd" build -f debug -f virtio -k "$kernel" --moddir "$moddir" \
	-o "$out" -- sh -c 'uname -r; strace -c true'
"$tinyrd" inspect --config "$out"
